namespace FastSmtp.Protocol;

/// <summary>A next hop's answer to one step, kept as text for logs, retries and bounces.</summary>
public readonly record struct NextHopReply(int Code, string Text)
{
    /// <summary>No reply could be read (garbage, a line too long, the connection lost): a temporary failure.</summary>
    public static NextHopReply Unreadable(string why) => new(0, why);

    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>5xx: retrying will not help. Everything else that is not positive is temporary.</summary>
    public bool IsPermanent => Code is >= 500 and < 600;

    public override string ToString() => Code == 0 ? Text : $"{Code} {Text}";
}
