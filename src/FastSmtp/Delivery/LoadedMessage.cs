using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>A queued message read back for delivery, with what the read found out about it.</summary>
internal sealed record LoadedMessage(SpooledMessage Message, int ReceivedHeaders)
{
    /// <summary>Postfix's hopcount_limit: more Received headers than this is a mail loop (RFC 5321 6.3).</summary>
    public const int MaxHops = 50;

    public bool IsLooping => ReceivedHeaders > MaxHops;
}
