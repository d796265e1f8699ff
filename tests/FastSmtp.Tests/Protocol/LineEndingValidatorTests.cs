using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

public class LineEndingValidatorTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", false)]
    [InlineData("", false)]
    [InlineData("a\nb\r\n", true)]
    [InlineData("a\rb\r\n", true)]
    [InlineData("a\r\nb\r", true)]
    [InlineData("\r\r\n", true)]
    public void Finds_bare_line_endings_across_any_chunking(string content, bool bare)
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
        }
    }
}
