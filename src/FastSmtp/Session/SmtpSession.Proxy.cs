using System.Buffers;
using FastSmtp.Protocol;

namespace FastSmtp.Session;

/// <summary>
/// A PROXY header is believed only from the balancers in --proxy-protocol-from (read before the
/// session, in <see cref="SmtpConnectionHandler"/>). Anyone else opening with one is trying to
/// choose the address the policy sees, or is a balancer the operator forgot to list: either way
/// the session is refused, with a reply that says why.
/// </summary>
internal sealed partial class SmtpSession
{
    private static ReadOnlySpan<byte> ProxyHeaderNotAllowedReply => "554 5.7.1 PROXY header not accepted from this client\r\n"u8;

    /// <summary>
    /// Looks at the session's first octets: true (and the reply queued) when they open a PROXY
    /// header; <paramref name="waitForMore"/> while they could still turn out to.
    /// </summary>
    private bool RefuseProxyHeader(in ReadOnlySequence<byte> buffer, out bool waitForMore)
    {
        Span<byte> opening = stackalloc byte[ProxyHeaderParser.Version2Signature.Length];
        int length = (int)Math.Min(buffer.Length, opening.Length);
        buffer.Slice(0, length).CopyTo(opening);
        ProxyHeaderStart start = ProxyHeaderParser.MatchStart(opening[..length]);
        // Partial: "P", "PROX", or "\r\n" (the version 2 signature opens with two empty lines).
        // No SMTP command starts so, so waiting for the next octets costs an honest client
        // nothing; one that sends a bare empty line first waits for its command timeout.
        waitForMore = start == ProxyHeaderStart.Partial;
        if (waitForMore)
        {
            return false;
        }

        _openingChecked = true;
        if (start == ProxyHeaderStart.None)
        {
            return false;
        }

        SessionLog.ProxyHeaderFromUnlistedClient(_server.Logger, _clientAddress);
        Reply(ProxyHeaderNotAllowedReply);
        _action = PendingAction.Close;
        return true;
    }
}
