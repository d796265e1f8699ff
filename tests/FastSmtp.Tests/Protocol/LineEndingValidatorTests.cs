using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class LineEndingValidatorTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", false, false)]
    [InlineData("", false, false)]
    [InlineData("a\nb\r\n", true, false)]
    [InlineData("a\rb\r\n", true, false)]
    [InlineData("a\r\nb\r", true, false)]
    [InlineData("\r\r\n", true, false)]
    [InlineData("a\0b\r\n", false, true)]
    [InlineData("\r\0\n", true, true)]
    public void Finds_bare_line_endings_and_nul_across_any_chunking(string content, bool bare, bool nul)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(content);
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            var validator = new LineEndingValidator();
            validator.Reset();
            validator.Check(bytes.AsSpan(0, cut));
            validator.Check(bytes.AsSpan(cut));
            validator.Complete();
            Assert.Equal(bare, validator.SawBareLineEnding);
            Assert.Equal(nul, validator.SawNul);
        }
    }
}
