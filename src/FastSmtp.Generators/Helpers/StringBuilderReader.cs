using System.IO;
using System.Text;

namespace FastSmtp.Generators.Helpers;

/// <summary>
/// Reads a StringBuilder in place, so the compiler can take generated source of tens of
/// megabytes in chunks instead of as one more string the size of it.
/// </summary>
internal sealed class StringBuilderReader(StringBuilder builder) : TextReader
{
    private int _position;

    public override int Peek() => _position < builder.Length ? builder[_position] : -1;

    public override int Read() => _position < builder.Length ? builder[_position++] : -1;

    public override int Read(char[] buffer, int index, int count)
    {
        int length = System.Math.Min(count, builder.Length - _position);
        builder.CopyTo(_position, buffer, index, length);
        _position += length;
        return length;
    }
}
