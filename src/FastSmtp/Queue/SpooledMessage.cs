using FastSmtp.Protocol;

namespace FastSmtp.Queue;

/// <summary>A message as read back from the spool.</summary>
public sealed record SpooledMessage(
    QueueId QueueId,
    DateTimeOffset ReceivedAt,
    string ClientAddress,
    string HeloName,
    MessageProtocol Protocol,
    string MailFrom,
    bool EightBitMime,
    bool SmtpUtf8,
    DsnReturn Return,
    string? EnvelopeId,
    IReadOnlyList<SpoolRecipient> Recipients,
    byte[] Body)
{
    /// <summary>The body is kept in spool/data rather than in the log.</summary>
    public bool BodyInFile { get; init; }

    /// <summary>The body's length in octets (also when <see cref="Body"/> was not read).</summary>
    public long BodyLength { get; init; }
}
