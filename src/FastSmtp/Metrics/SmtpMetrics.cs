using System.Diagnostics.Metrics;

namespace FastSmtp.Metrics;

/// <summary>
/// The server's instruments (System.Diagnostics.Metrics, meter "FastSmtp"), exported in
/// Prometheus text format on --metrics by OpenTelemetry. Process-wide and static, as a meter is:
/// an instrument nobody listens to costs one branch, so the hot paths call them unconditionally.
/// Tags are low-cardinality by construction: verbs, reply codes, rule names of the compiled
/// policy, limit names.
/// </summary>
public static class SmtpMetrics
{
    public const string MeterName = "FastSmtp";

    private static readonly Meter Meter = new(MeterName);

    // Reply codes as tag values, made once: 200-599 cover every SMTP reply.
    private static readonly string[] Codes = [.. Enumerable.Range(0, 600).Select(code => code.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public static readonly UpDownCounter<long> ActiveSessions = Meter.CreateUpDownCounter<long>("fastsmtp.sessions.active", description: "SMTP sessions open now");
    public static readonly Counter<long> Sessions = Meter.CreateCounter<long>("fastsmtp.sessions", description: "SMTP sessions started");
    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("fastsmtp.commands", description: "Commands received, by verb");
    public static readonly Counter<long> Replies = Meter.CreateCounter<long>("fastsmtp.replies", description: "Replies sent, by code");
    public static readonly Counter<long> MessagesAccepted = Meter.CreateCounter<long>("fastsmtp.messages.accepted", description: "Messages on disk and acknowledged with 250");
    public static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("fastsmtp.deliveries", description: "Recipients by outcome of a delivery attempt: relayed, local, deferred, bounced");
    public static readonly Counter<long> PolicyDecisions = Meter.CreateCounter<long>("fastsmtp.policy.decisions", description: "Policy decisions at every stage, by stage, outcome and rule");
    public static readonly Counter<long> AutoDenials = Meter.CreateCounter<long>("fastsmtp.autodeny", description: "Clients denied for hack attempts");
    public static readonly Counter<long> LimitsHit = Meter.CreateCounter<long>("fastsmtp.limits.refused", description: "Connections, messages and recipients refused by a per-client limit, by limit");
    public static readonly Histogram<long> FsyncBatchSize = Meter.CreateHistogram<long>("fastsmtp.spool.fsync.batch", unit: "{record}", description: "Records made durable by one fsync",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
    public static readonly Histogram<double> FsyncDuration = Meter.CreateHistogram<double>("fastsmtp.spool.fsync.duration", unit: "s", description: "Write and fsync of one spool batch",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1] });

    public static readonly Counter<long> SpoolFaults = Meter.CreateCounter<long>("fastsmtp.spool.faults", description: "Times the spool stopped committing for an I/O error (each ends when it commits again)");

    /// <summary>1 while the spool commits, 0 while an I/O fault keeps it from committing (clients get 451/452).</summary>
    public static void ObserveSpool(Func<bool> writable)
    {
        if (Interlocked.Exchange(ref s_spoolWritable, writable) is null)
        {
            Meter.CreateObservableGauge("fastsmtp.spool.writable", () => s_spoolWritable() ? 1 : 0, description: "1 while the spool commits messages, 0 during an I/O fault");
        }
    }

    private static Func<bool> s_spoolWritable = null!;

    /// <summary>fastsmtp_policy_info{hash="..."} 1: which policy new sessions use, read at each scrape.</summary>
    public static void ObservePolicy(Func<string> hash)
    {
        if (Interlocked.Exchange(ref s_policyHash, hash) is null)
        {
            Meter.CreateObservableGauge("fastsmtp.policy.info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("hash", s_policyHash())), description: "The active policy, by the hash of its files");
        }
    }

    private static Func<string> s_policyHash = null!;

    /// <summary>
    /// Queue depth and the age of its oldest message, read from the spool at each scrape. The
    /// reading scans the queue under the spool's lock, so the two gauges of one scrape share one
    /// reading (taken at most once a second).
    /// </summary>
    public static void ObserveQueue(Func<(int Messages, double OldestAgeSeconds)> queue)
    {
        // The gauges exist once per process; a host built again (tests) points them at its spool.
        s_reading = null;
        if (Interlocked.Exchange(ref s_queue, queue) is null)
        {
            Meter.CreateObservableGauge("fastsmtp.queue.messages", () => QueueReading().Messages, unit: "{message}", description: "Messages not yet delivered to every recipient");
            Meter.CreateObservableGauge("fastsmtp.queue.oldest_age", () => QueueReading().OldestAgeSeconds, unit: "s", description: "Age of the oldest queued message");
        }
    }

    private static Func<(int Messages, double OldestAgeSeconds)> s_queue = null!;
    private static QueueSnapshot? s_reading;

    private static QueueSnapshot QueueReading()
    {
        long now = Environment.TickCount64;
        if (Volatile.Read(ref s_reading) is { } recent && now - recent.TakenAt < 1000)
        {
            return recent;
        }

        (int messages, double age) = s_queue();
        var reading = new QueueSnapshot(now, messages, age);
        Volatile.Write(ref s_reading, reading);
        return reading;
    }

    private sealed record QueueSnapshot(long TakenAt, int Messages, double OldestAgeSeconds);

    // Each checks Enabled first: with nobody listening, not even the tag's name is looked up.
    public static void Command(FastSmtp.Protocol.SmtpVerb verb)
    {
        if (Commands.Enabled)
        {
            Commands.Add(1, new KeyValuePair<string, object?>("verb", Names<FastSmtp.Protocol.SmtpVerb>.Of(verb)));
        }
    }

    /// <summary>A policy decision at <paramref name="stage"/> (connect, mail, rcpt, data, vrfy, expn, auth).</summary>
    public static void PolicyDecision(FastSmtp.Policy.PolicyDecision decision, string stage)
    {
        if (PolicyDecisions.Enabled)
        {
            PolicyDecisions.Add(
                1,
                new KeyValuePair<string, object?>("stage", stage),
                new KeyValuePair<string, object?>("outcome", Names<FastSmtp.Policy.PolicyOutcome>.Of(decision.Outcome)),
                new KeyValuePair<string, object?>("rule", Names<FastSmtp.Policy.PolicyReason>.Of(decision.Reason)));
        }
    }

    /// <summary>MAIL commands answered late because the queue was past its bound, and the time they waited.</summary>
    public static readonly Counter<long> InflowDelays = Meter.CreateCounter<long>("fastsmtp.inflow.delayed", description: "MAIL commands answered late because the queue was past --inflow-delay-backlog");

    public static readonly Counter<double> InflowDelaySeconds = Meter.CreateCounter<double>("fastsmtp.inflow.delay", unit: "s", description: "Time MAIL replies were held back by backpressure");

    public static void InflowDelayed(TimeSpan delay)
    {
        InflowDelays.Add(1);
        InflowDelaySeconds.Add(delay.TotalSeconds);
    }

    public static void LimitHit(string limit) => LimitsHit.Add(1, new KeyValuePair<string, object?>("limit", limit));

    /// <summary>Counts a reply written without <see cref="Reply(ReadOnlySpan{byte})"/> (policy refusals naming an address).</summary>
    private static void ReplyCode(int code)
    {
        if (Replies.Enabled && (uint)code < (uint)Codes.Length)
        {
            Replies.Add(1, new KeyValuePair<string, object?>("code", Codes[code]));
        }
    }

    /// <summary>Counts a reply by the code its first three octets carry.</summary>
    public static void Reply(ReadOnlySpan<byte> reply)
    {
        if (!Replies.Enabled || reply.Length < 3)
        {
            return;
        }

        ReplyCode(((reply[0] - '0') * 100) + ((reply[1] - '0') * 10) + (reply[2] - '0'));
    }

    public static void Delivery(string outcome, int recipients = 1) => Deliveries.Add(recipients, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>An enum's names as tag values, made once, so counting never formats or boxes.</summary>
    private static class Names<T>
        where T : struct, Enum
    {
        private static readonly Dictionary<T, string> ByValue = Enum.GetValues<T>().Distinct().ToDictionary(value => value, value => value.ToString());

        public static string Of(T value) => ByValue.TryGetValue(value, out string? name) ? name : "other";
    }
}
