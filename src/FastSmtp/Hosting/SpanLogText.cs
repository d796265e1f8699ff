using System.Globalization;

namespace FastSmtp.Hosting;

/// <summary>What the <see cref="ISpanLoggable"/> messages share: appending their parts, and their text as a string for other loggers.</summary>
internal static class SpanLogText
{
    public static void Append(Span<char> destination, ref int at, ReadOnlySpan<char> text)
    {
        text.CopyTo(destination[at..]);
        at += text.Length;
    }

    public static void Append(Span<char> destination, ref int at, long number)
    {
        number.TryFormat(destination[at..], out int digits, default, CultureInfo.InvariantCulture);
        at += digits;
    }

    /// <summary>A queue id as its 16 hex digits.</summary>
    public static void AppendHex(Span<char> destination, ref int at, ulong value)
    {
        value.TryFormat(destination[at..], out int digits, "X16", CultureInfo.InvariantCulture);
        at += digits;
    }

    public static string ToString<TMessage>(TMessage message)
        where TMessage : ISpanLoggable
    {
        int length = message.MaxLength;
        Span<char> text = length <= 1024 ? stackalloc char[length] : new char[length];
        return new string(text[..message.Format(text)]);
    }

    public static IEnumerator<KeyValuePair<string, object?>> Enumerate(IReadOnlyList<KeyValuePair<string, object?>> values)
    {
        for (int i = 0; i < values.Count; i++)
        {
            yield return values[i];
        }
    }
}
