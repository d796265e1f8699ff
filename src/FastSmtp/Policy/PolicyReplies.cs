using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// The reply text of a decision (the fixed texts operators and tests match on), in parts the
/// session writes straight into its output, or as a string for `policy explain` and tests.txt.
/// </summary>
public static class PolicyReplies
{
    /// <summary>
    /// The reply line for a decision about <paramref name="address"/>, in three parts: fixed text,
    /// what it names of the address (empty for most), and fixed text ending in CRLF.
    /// </summary>
    public static void Compose(PolicyOutcome outcome, ReadOnlySpan<byte> address, out ReadOnlySpan<byte> head, out ReadOnlySpan<byte> named, out ReadOnlySpan<byte> tail)
    {
        named = default;
        tail = default;
        switch (outcome)
        {
            case PolicyOutcome.UserUnknown:
                head = "550 5.1.1 <"u8;
                named = address;
                tail = ">: user unknown\r\n"u8;
                break;
            case PolicyOutcome.GroupClosed:
                head = "550 5.7.1 <"u8;
                named = address;
                tail = ">: mail from outside to local groups is not allowed\r\n"u8;
                break;
            case PolicyOutcome.RelayDenied:
                head = "550 5.7.1 unknown local host "u8;
                named = DomainOf(address);
                tail = ", not a gateway\r\n"u8;
                break;
            case PolicyOutcome.SenderKilled:
                head = "501 5.7.1 unacceptable mail address\r\n"u8;
                break;
            case PolicyOutcome.ClientDenied:
                head = "554 5.7.1 access denied\r\n"u8;
                break;
            case PolicyOutcome.SenderDomainRefused:
                head = "553 5.1.7 sender domain refused: look-alike, invisible or unmappable characters\r\n"u8;
                break;
            case PolicyOutcome.RecipientDomainRefused:
                head = "553 5.1.3 recipient domain refused: look-alike, invisible or unmappable characters\r\n"u8;
                break;
            case PolicyOutcome.VrfyDisabled:
                head = "502 5.5.1 Command not implemented\r\n"u8;
                break;
            case PolicyOutcome.CannotVerify:
                head = "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"u8;
                break;
            case PolicyOutcome.NotAGroup:
                head = "550 5.1.1 Error: not a mailing list\r\n"u8;
                break;
            case PolicyOutcome.GroupsConfidential:
                head = "550 5.7.1 lists are confidential\r\n"u8;
                break;
            case PolicyOutcome.AuthNeedsTls:
                head = "538 5.7.11 Encryption required for requested authentication mechanism\r\n"u8;
                break;
            case PolicyOutcome.AuthenticationFailed:
                head = "535 5.7.8 authentication failed\r\n"u8;
                break;
            case PolicyOutcome.SenderNotUserAtHost:
                head = "550 5.7.1 sender address must be user@host\r\n"u8;
                break;
            default:
                head = "250 2.1.5 Ok\r\n"u8;
                break;
        }
    }

    /// <summary>The dnsbl refusal (without CRLF): it names the client and the zone that lists it.</summary>
    public static string ClientListed(string client, string zone) => $"554 5.7.1 client {client} listed by {zone}";

    /// <summary>The reply as text without CRLF, for explain and tests.txt.</summary>
    public static string Text(PolicyOutcome outcome, string address)
    {
        Compose(outcome, Encoding.UTF8.GetBytes(address), out ReadOnlySpan<byte> head, out ReadOnlySpan<byte> named, out ReadOnlySpan<byte> tail);
        return string.Concat(Encoding.UTF8.GetString(head), Encoding.UTF8.GetString(named), Encoding.UTF8.GetString(tail)).TrimEnd('\r', '\n');
    }

    private static ReadOnlySpan<byte> DomainOf(ReadOnlySpan<byte> address)
    {
        int at = address.LastIndexOf((byte)'@');
        return at < 0 ? address : address[(at + 1)..];
    }
}
