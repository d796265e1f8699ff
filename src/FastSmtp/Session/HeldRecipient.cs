using FastSmtp.Policy;
using FastSmtp.Protocol;

namespace FastSmtp.Session;

/// <summary>
/// A RCPT whose answer waits for DNS (the dnsbl filter, the backup-server rule): the address as
/// received, the policy's decision so far, and the command's DSN parameters. Nothing after the
/// command is read until it is answered, so there is at most one.
/// </summary>
internal sealed class HeldRecipient
{
    private readonly byte[] _mailbox = new byte[SmtpPathParser.MaxPathLength];
    private int _length;

    public ReadOnlySpan<byte> Mailbox => _mailbox.AsSpan(0, _length);

    public PolicyDecision Decision { get; private set; }

    public RecipientNotify Notify { get; private set; }

    public string? OriginalRecipient { get; private set; }

    public void Hold(ReadOnlySpan<byte> mailbox, PolicyDecision decision, RecipientNotify notify, string? originalRecipient)
    {
        mailbox.CopyTo(_mailbox);
        _length = mailbox.Length;
        Decision = decision;
        Notify = notify;
        OriginalRecipient = originalRecipient;
    }

    public void Reset()
    {
        _length = 0;
        Decision = default;
        Notify = RecipientNotify.Default;
        OriginalRecipient = null;
    }
}
