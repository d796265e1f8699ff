using System.Text;
using FastSmtp.Metrics;

namespace FastSmtp.Session;

/// <summary>
/// The per-client message and recipient rates (<see cref="ClientLimits"/>; the session and
/// connection limits are taken before the session starts) and the minimum data rate inside DATA
/// and BDAT. A rate refused is a 450 (try later), as Postfix answers; a client too slow is told
/// 421 and the connection closed.
/// </summary>
internal sealed partial class SmtpSession
{
    private readonly DataRateMeter _dataRate;

    /// <summary>The per-client rates apply (the client is not exempt as a relay.txt client).</summary>
    private bool _rateLimited;

    /// <summary>Whom rates are counted against: the authenticated user, else the client's address.</summary>
    private ClientKey RateKey => _authenticatedUser is not null ? new ClientKey(null, _authenticatedUser) : new ClientKey(_client, null);

    private string RateSubject => _authenticatedUser ?? _clientAddress;

    /// <summary>True (with the refusal written) when this MAIL is one message too many this minute.</summary>
    private bool RefuseMessageRate() =>
        _rateLimited && !_server.Limits.TryStartMessage(RateKey) && RefuseRate("message rate", "message_rate", "too much mail", "--max-messages-per-minute");

    /// <summary>True (with the refusal written) when this RCPT is one recipient too many this minute.</summary>
    private bool RefuseRecipientRate() =>
        _rateLimited && !_server.Limits.TryAddRecipient(RateKey) && RefuseRate("recipient rate", "recipient_rate", "too many recipients", "--max-recipients-per-minute");

    /// <summary>Logs and counts a rate refusal and answers 450 (try later), as Postfix's anvil does; always true.</summary>
    private bool RefuseRate(string limit, string metric, string what, string option)
    {
        SessionLog.ClientLimited(_server.Logger, _clientAddress, limit, RateSubject);
        SmtpMetrics.LimitHit(metric);
        Refuse(Encoding.UTF8.GetBytes($"450 4.7.1 Error: {what} from {RateSubject}\r\n"), option);
        return true;
    }
}
