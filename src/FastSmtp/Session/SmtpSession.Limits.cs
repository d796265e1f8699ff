using System.Diagnostics;
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
    private bool _rateLimited;
    private long _dataStartedAt;
    private long _dataBytes;

    /// <summary>Whom rates are counted against: the authenticated user, else the client's address.</summary>
    private ClientKey RateKey => _authenticatedUser is not null ? new ClientKey(null, _authenticatedUser) : new ClientKey(_client, null);

    private string RateSubject => _authenticatedUser ?? _clientAddress;

    /// <summary>True (with the refusal written) when this MAIL is one message too many this minute.</summary>
    private bool RefuseMessageRate() =>
        _rateLimited && !_server.Limits.TryStartMessage(RateKey) && RefuseRate("message rate", "message_rate", "too much mail");

    /// <summary>True (with the refusal written) when this RCPT is one recipient too many this minute.</summary>
    private bool RefuseRecipientRate() =>
        _rateLimited && !_server.Limits.TryAddRecipient(RateKey) && RefuseRate("recipient rate", "recipient_rate", "too many recipients");

    /// <summary>Logs and counts a rate refusal and answers 450 (try later), as Postfix's anvil does; always true.</summary>
    private bool RefuseRate(string limit, string metric, string what)
    {
        SessionLog.ClientLimited(_server.Logger, _clientAddress, limit, RateSubject);
        SmtpMetrics.LimitHit(metric);
        Refuse(Encoding.UTF8.GetBytes($"450 4.7.1 Error: {what} from {RateSubject}\r\n"));
        return true;
    }

    /// <summary>
    /// How long the next read may wait: the data timeout, but inside DATA/BDAT no longer than
    /// the moment the bytes so far fall below the minimum rate (<paramref name="rateBound"/>).
    /// </summary>
    private TimeSpan DataReadTimeout(out bool rateBound)
    {
        rateBound = false;
        if (_server.Options.MinDataRate <= 0)
        {
            return _server.Options.DataTimeout;
        }

        if (_dataStartedAt == 0)
        {
            _dataStartedAt = Stopwatch.GetTimestamp();
            _dataBytes = 0;
        }

        TimeSpan untilTooSlow = DataRateDeadline() - Stopwatch.GetElapsedTime(_dataStartedAt);
        rateBound = untilTooSlow < _server.Options.DataTimeout;
        return rateBound ? (untilTooSlow > TimeSpan.Zero ? untilTooSlow : TimeSpan.FromMilliseconds(1)) : _server.Options.DataTimeout;
    }

    /// <summary>Counts data octets; true when the client has fallen below the minimum rate.</summary>
    private bool IsDataTooSlow(long octets)
    {
        if (_server.Options.MinDataRate <= 0 || _dataStartedAt == 0)
        {
            return false;
        }

        _dataBytes += octets;
        return Stopwatch.GetElapsedTime(_dataStartedAt) > DataRateDeadline();
    }

    /// <summary>Leaving DATA/BDAT: the next one is timed afresh.</summary>
    private void EndDataTiming() => _dataStartedAt = 0;

    /// <summary>The time since DATA began by which the octets received so far must have arrived.</summary>
    private TimeSpan DataRateDeadline() => _server.Options.MinDataRateGrace + TimeSpan.FromSeconds((double)_dataBytes / _server.Options.MinDataRate);
}
