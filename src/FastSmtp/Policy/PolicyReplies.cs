using System.Buffers;
using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// The reply text of a decision (the fixed texts operators and tests match on), written straight into a buffer for the
/// session or made into a string for `policy explain` and tests.txt.
/// </summary>
public static class PolicyReplies
{
    /// <summary>Writes the reply line, CRLF included, for a refusal about <paramref name="address"/>.</summary>
    public static void Write(IBufferWriter<byte> output, PolicyOutcome outcome, ReadOnlySpan<byte> address)
    {
        switch (outcome)
        {
            case PolicyOutcome.UserUnknown:
                output.Write("550 5.1.1 <"u8);
                output.Write(address);
                output.Write(">: user unknown\r\n"u8);
                break;
            case PolicyOutcome.GroupClosed:
                output.Write("550 5.7.1 <"u8);
                output.Write(address);
                output.Write(">: mail from outside to local groups is not allowed\r\n"u8);
                break;
            case PolicyOutcome.RelayDenied:
                output.Write("550 5.7.1 unknown local host "u8);
                output.Write(DomainOf(address));
                output.Write(", not a gateway\r\n"u8);
                break;
            case PolicyOutcome.SenderKilled:
                output.Write("501 5.7.1 unacceptable mail address\r\n"u8);
                break;
            case PolicyOutcome.ClientDenied:
                output.Write("554 5.7.1 access denied\r\n"u8);
                break;
            case PolicyOutcome.SenderDomainRefused:
                output.Write("553 5.1.7 sender domain refused: look-alike, invisible or unmappable characters\r\n"u8);
                break;
            case PolicyOutcome.RecipientDomainRefused:
                output.Write("553 5.1.3 recipient domain refused: look-alike, invisible or unmappable characters\r\n"u8);
                break;
            case PolicyOutcome.VrfyDisabled:
                output.Write("502 5.5.1 Command not implemented\r\n"u8);
                break;
            case PolicyOutcome.CannotVerify:
                output.Write("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"u8);
                break;
            case PolicyOutcome.NotAGroup:
                output.Write("550 5.1.1 Error: not a mailing list\r\n"u8);
                break;
            case PolicyOutcome.GroupsConfidential:
                output.Write("550 5.7.1 lists are confidential\r\n"u8);
                break;
            case PolicyOutcome.AuthNeedsTls:
                output.Write("538 5.7.11 Encryption required for requested authentication mechanism\r\n"u8);
                break;
            case PolicyOutcome.AuthenticationFailed:
                output.Write("535 5.7.8 authentication failed\r\n"u8);
                break;
            case PolicyOutcome.SenderNotUserAtHost:
                output.Write("550 5.7.1 sender address must be user@host\r\n"u8);
                break;
            default:
                output.Write("250 2.1.5 Ok\r\n"u8);
                break;
        }
    }

    /// <summary>The reply as text without CRLF, for explain and tests.txt.</summary>
    public static string Text(PolicyOutcome outcome, string address)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, outcome, Encoding.UTF8.GetBytes(address));
        return Encoding.UTF8.GetString(buffer.WrittenSpan).TrimEnd('\r', '\n');
    }

    private static ReadOnlySpan<byte> DomainOf(ReadOnlySpan<byte> address)
    {
        int at = address.LastIndexOf((byte)'@');
        return at < 0 ? address : address[(at + 1)..];
    }
}
