namespace FastSmtp.Protocol;

/// <summary>A next hop's answer to one step, kept as text for logs, retries and bounces.</summary>
public readonly record struct NextHopReply(int Code, string Text)
{
    /// <summary>The reply code (0: no reply could be read). Changing it forgets <see cref="Line"/>.</summary>
    public int Code { get; init { field = value; Line = null; } } = Code;

    /// <summary>The reply's text after the code. Changing it forgets <see cref="Line"/>.</summary>
    public string Text { get; init { field = value; Line = null; } } = Text;

    /// <summary>No reply could be read (garbage, a line too long, the connection lost): a temporary failure.</summary>
    public static NextHopReply Unreadable(string why) => new(0, why);

    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>5xx: retrying will not help. Everything else that is not positive is temporary.</summary>
    public bool IsPermanent => Code is >= 500 and < 600;

    /// <summary>
    /// The reply as one line, "250 2.0.0 Ok", when the client that read it made that string
    /// already (it keeps the ones a next hop repeats); not part of equality.
    /// </summary>
    public string? Line { get; init; }

    public override string ToString() => Line ?? (Code == 0 ? Text : $"{Code} {Text}");

    public bool Equals(NextHopReply other) => Code == other.Code && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Code, Text);
}
