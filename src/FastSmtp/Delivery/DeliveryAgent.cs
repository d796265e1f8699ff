using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FastSmtp.Policy;
using FastSmtp.Policy.Loading;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using FastSmtp.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FastSmtp.Delivery;

/// <summary>
/// The queue manager (Postfix's qmgr): takes every message the spool commits
/// and every one it recovered at start-up, delivers each due recipient (local ones into Maildir,
/// remote ones through the per-destination queues), records every outcome in the spool, retries
/// temporary failures on <see cref="RetrySchedule"/>, queues a DSN for permanent failures and
/// expiry, and retires a message once nothing is left to do for it.
/// </summary>
public sealed partial class DeliveryAgent : BackgroundService
{
    private readonly Spool _spool;

    /// <summary>Aliases and groups are expanded, and local mailboxes found, by the policy active at delivery.</summary>
    private readonly ActivePolicy _policy;
    private readonly DeliveryOptions _options;
    private readonly ILogger _logger;
    private readonly MaildirWriter _maildir;
    private readonly ConnectionPool _pool;
    private readonly SemaphoreSlim _transactionSlots;
    private readonly ConcurrentDictionary<string, DestinationQueue> _destinations = new(StringComparer.OrdinalIgnoreCase);
    private readonly PriorityQueue<QueueEntry, DateTimeOffset> _deferred = new();
    private readonly Lock _deferredLock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<ulong, MessagePass> _inFlight = new();

    /// <summary>Completed when the server stops and the last pass under way has ended.</summary>
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _stopping;

    /// <summary>How long a destination's worker waits, its connection open, for another job (Postfix caches a connection 2 s).</summary>
    private static readonly TimeSpan WorkerIdleLimit = TimeSpan.FromSeconds(2);

    /// <summary>Segments (64 MB each) the log may hold before the oldest one's live messages are moved forward.</summary>
    private const int MaxSegmentsBeforeCompaction = 4;

    public DeliveryAgent(Spool spool, ActivePolicy policy, MailRouter router, IOptions<DeliveryOptions> options, ILogger<DeliveryAgent> logger)
    {
        _spool = spool;
        _options = options.Value;
        _logger = logger;
        _policy = policy;
        Router = router;
        _maildir = new MaildirWriter(_options.MailDir);
        _pool = new ConnectionPool(TimeSpan.FromSeconds(5), maxIdlePerEndpoint: Math.Max(_options.DestinationConcurrency, _options.RelayConcurrency));
        _transactionSlots = new SemaphoreSlim(_options.DeliveryConcurrency);
    }

    /// <summary>The name this server gives in EHLO and signs its bounces with.</summary>
    public string Hostname => _options.HeloName;

    public MailRouter Router { get; }

    /// <summary>Messages waiting for a later attempt.</summary>
    public int DeferredCount
    {
        get
        {
            lock (_deferredLock)
            {
                return _deferred.Count;
            }
        }
    }

    /// <summary>
    /// `queue flush`: every deferred message <paramref name="which"/> selects (all when null) is
    /// due now; the others keep their time.
    /// </summary>
    public int Flush(Func<QueueEntry, bool>? which = null)
    {
        List<QueueEntry> due = [];
        List<(QueueEntry Entry, DateTimeOffset At)> later = [];
        lock (_deferredLock)
        {
            while (_deferred.TryDequeue(out QueueEntry? entry, out DateTimeOffset at))
            {
                if (which is null || which(entry))
                {
                    due.Add(entry);
                }
                else
                {
                    later.Add((entry, at));
                }
            }

            foreach ((QueueEntry entry, DateTimeOffset at) in later)
            {
                _deferred.Enqueue(entry, at);
            }
        }

        foreach (QueueEntry entry in due)
        {
            Start(entry);
        }

        LogFlushed(_logger, due.Count);
        return due.Count;
    }

    /// <summary>
    /// `queue hold`, `release` and `delete` while the server runs: recorded in the spool first,
    /// then the messages are taken out of the retry schedule and given a pass (which delivers a
    /// released message, retires a deleted one and finds nothing to do for a held one). A pass
    /// already under way finishes; what it records cannot undo the hold or the deletion.
    /// Returns the messages changed, or null when the spool could not record it.
    /// </summary>
    public async Task<int?> ApplyAsync(QueueAction action, Func<QueueEntry, bool> which)
    {
        (CommitResult result, List<QueueEntry> changed) = await _spool.ApplyAsync(action, which);
        if (result != CommitResult.Committed)
        {
            return null;
        }

        foreach (QueueEntry entry in changed)
        {
            lock (_deferredLock)
            {
                _deferred.Remove(entry, out _, out _);
            }

            if (!Start(entry) && action == QueueAction.Release)
            {
                // Its pass is finishing: the released recipients are tried once it has.
                Defer(entry, DateTimeOffset.UtcNow);
            }
        }

        LogQueueAction(_logger, action.ToString().ToLowerInvariant(), changed.Count);
        return changed.Count;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_inFlight.IsEmpty)
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // The workers end and hand their connections to the pool, which closes them.
        var closing = new List<Task>();
        foreach (DestinationQueue queue in _destinations.Values)
        {
            closing.Add(queue.CloseAsync());
        }

        await Task.WhenAll(closing).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        await _pool.DisposeAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        _spool.Committed += StartCommitted;

        // On start every undelivered recipient is due at once (once the spool could be read).
        IReadOnlyList<QueueEntry> recovered;
        try
        {
            recovered = await _spool.Recovered.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            _spool.Committed -= StartCommitted;
            return;
        }

        foreach (QueueEntry entry in recovered)
        {
            Start(entry);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait = StartDue();
            while (await _spool.CompactAsync(MaxSegmentsBeforeCompaction) > 0)
            {
                // Each round moves the oldest segment's unfinished messages and deletes it.
            }

            try
            {
                await _wake.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _spool.Committed -= StartCommitted;
    }

    /// <summary>Starts the deferred messages that are due; returns how long until the next one is.</summary>
    private TimeSpan StartDue()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        List<QueueEntry> due = [];
        TimeSpan wait = TimeSpan.FromMinutes(1);
        lock (_deferredLock)
        {
            while (_deferred.TryPeek(out QueueEntry? entry, out DateTimeOffset at))
            {
                if (at > now)
                {
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks, (at - now).Ticks + TimeSpan.TicksPerMillisecond));
                    break;
                }

                _deferred.Dequeue();
                due.Add(entry);
            }
        }

        foreach (QueueEntry entry in due)
        {
            Start(entry);
        }

        return wait;
    }

    private void StartCommitted(QueueEntry entry) => Start(entry);

    /// <summary>
    /// Begins a delivery pass of a message (from the spool's commit thread, so it only hands
    /// over); false when the server stops or a pass of the message is already under way.
    /// </summary>
    private bool Start(QueueEntry entry)
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        var pass = new MessagePass(entry, this);
        if (!_inFlight.TryAdd(entry.QueueId.Value, pass))
        {
            return false;
        }

        ThreadPool.UnsafeQueueUserWorkItem(pass, preferLocal: false);
        return true;
    }

    private void Defer(QueueEntry entry, DateTimeOffset at)
    {
        lock (_deferredLock)
        {
            _deferred.Enqueue(entry, at);
        }

        _wake.Release();
    }

    /// <summary>
    /// Groups the due recipients into jobs, a job per destination, and hands each to its
    /// destination's queue; local recipients are delivered here. The pass completes when its
    /// last job has finished (<see cref="MessagePass.Finish"/>).
    /// </summary>
    internal void RunPass(MessagePass pass)
    {
        QueueEntry entry = pass.Entry;
        DeliveryJob? local = null;

        // One policy for every recipient of the pass, even if a reload lands in the middle of it.
        SecurityPolicy policy = _policy.Current;
        try
        {
            // Most messages go to one destination: the jobs made so far are searched in order.
            DeliveryJob? first = null;
            List<DeliveryJob>? more = null;
            for (int i = 0; i < entry.Recipients.Length; i++)
            {
                RecipientProgress recipient = entry.Recipients[i];
                if (!recipient.IsWaiting)
                {
                    continue;
                }

                string? nextHop = NextHopOf(policy, recipient.Address);
                if (nextHop == TransportRoute.Local)
                {
                    (local ??= new DeliveryJob(pass, "local", TransportRoute.Local)).Recipients.Add(i);
                    continue;
                }

                string destination = Router.DestinationOf(recipient.Address.AsSpan(recipient.Address.LastIndexOf('@') + 1), nextHop);
                DeliveryJob? job = first is not null && string.Equals(first.Destination, destination, StringComparison.OrdinalIgnoreCase) ? first : null;
                for (int j = 0; job is null && j < (more?.Count ?? 0); j++)
                {
                    job = string.Equals(more![j].Destination, destination, StringComparison.OrdinalIgnoreCase) ? more[j] : null;
                }

                if (job is null)
                {
                    job = new DeliveryJob(pass, destination, nextHop);
                    if (first is null)
                    {
                        first = job;
                    }
                    else
                    {
                        (more ??= []).Add(job);
                    }
                }

                job.Recipients.Add(i);
            }

            if (first is not null)
            {
                Enqueue(first);
                for (int j = 0; j < (more?.Count ?? 0); j++)
                {
                    Enqueue(more![j]);
                }
            }

            if (local is not null)
            {
                pass.Begin();
                DeliverLocal(local);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            pass.Failure = exception;
        }
        finally
        {
            // The grouping's own part: the pass completes once it and every job are done.
            pass.Finish();
        }
    }

    private void Enqueue(DeliveryJob job)
    {
        if (!_destinations.TryGetValue(job.Destination, out DestinationQueue? queue))
        {
            int concurrency = Router.GoesToRelay(job.NextHop) ? _options.RelayConcurrency : _options.DestinationConcurrency;
            queue = _destinations.GetOrAdd(job.Destination, _ => new DestinationQueue(concurrency, WorkerIdleLimit, TimeProvider.System, _ => new DestinationWorker(_pool), RunWorkerAsync));
        }

        job.Pass.Begin();
        queue.Enqueue(job);
    }

    /// <summary>
    /// After the last job of a pass: its outcome recorded and the message scheduled, or, when
    /// the pass went wrong, the message left queued and tried again in five minutes.
    /// </summary>
    internal void CompletePass(MessagePass pass)
    {
        ValueTask completing = default;
        try
        {
            if (pass.Failure is null)
            {
                completing = CompletePassAsync(pass);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            pass.Failure = exception;
        }

        if (!completing.IsCompleted)
        {
            _ = EndPassAsync(pass, completing);
            return;
        }

        EndPass(pass, completing);
    }

    private async Task EndPassAsync(MessagePass pass, ValueTask completing)
    {
        try
        {
            await completing;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            pass.Failure = exception;
        }

        EndPass(pass, default);
    }

    private void EndPass(MessagePass pass, ValueTask completed)
    {
        try
        {
            completed.GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            pass.Failure = exception;
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the message stays as it is and is tried after the restart.
        }

        if (pass.Failure is { } failure)
        {
            // Whatever went wrong (an unreadable spool record, a bug), the message stays queued.
            LogPassFailed(_logger, failure, pass.Entry.QueueId);
            Defer(pass.Entry, DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5));
        }

        // Every job of the pass has finished: nobody reads the body now.
        pass.Dispose();
        _inFlight.TryRemove(pass.Entry.QueueId.Value, out _);
        if (_stopping.IsCancellationRequested && _inFlight.IsEmpty)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>The recipient's domain is a local host (the queue holds expanded, canonical addresses).</summary>
    private bool IsLocal(string address)
    {
        Span<byte> utf8 = stackalloc byte[AddressNormalizer.MaxLength];
        return Encoding.UTF8.TryGetBytes(address, utf8, out int length)
            && _policy.Current.FindLocal(utf8[..length]).Kind != LocalNameKind.NotLocal;
    }

    /// <summary>
    /// Where a recipient goes: "local" for a local mailbox or a domain transport.txt delivers
    /// locally, else transport.txt's next hop for its domain ("mx", "host:port"), or null for the
    /// default route. The address is encoded once for both lookups.
    /// </summary>
    private static string? NextHopOf(SecurityPolicy policy, string address)
    {
        Span<byte> utf8 = stackalloc byte[AddressNormalizer.MaxLength];
        if (!Encoding.UTF8.TryGetBytes(address, utf8, out int length))
        {
            return null;
        }

        ReadOnlySpan<byte> bytes = utf8[..length];
        return policy.FindLocal(bytes).Kind != LocalNameKind.NotLocal
            ? TransportRoute.Local
            : policy.Transport(bytes[(bytes.LastIndexOf((byte)'@') + 1)..])?.NextHop;
    }

    /// <summary>transport.txt's next hop for a domain ("mx", "local", "host:port"), or null for the default route.</summary>
    private string? TransportOf(string domain)
    {
        Span<byte> ascii = stackalloc byte[AddressNormalizer.MaxLength];
        return Encoding.UTF8.TryGetBytes(domain, ascii, out int length) ? _policy.Current.Transport(ascii[..length])?.NextHop : null;
    }

    /// <summary>A pass's own read of its message (local deliveries, reports); a worker reads into its own.</summary>
    internal LoadedMessage Load(QueueEntry entry)
    {
        var loaded = new LoadedMessage();
        try
        {
            return loaded.Load(_spool, entry);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    private static void LogDelivery(ILogger logger, QueueId queueId, string recipient, string relay, NextHopReply result)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, new EventId(DeliveryLogMessage.EventId, "Delivery"), new DeliveryLogMessage(queueId, recipient, relay, result), null, static (message, _) => message.ToString());
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Delivery pass of {QueueId} failed; retrying in 5 minutes")]
    private static partial void LogPassFailed(ILogger logger, Exception exception, QueueId queueId);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Queue flush: {Count} deferred messages due now")]
    private static partial void LogFlushed(ILogger logger, int count);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Queue {Action}: {Count} messages")]
    private static partial void LogQueueAction(ILogger logger, string action, int count);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Queued DSN {DsnId} to <{Sender}> for {QueueId}: {Recipients} recipients reported")]
    private static partial void LogDsnQueued(ILogger logger, QueueId dsnId, string sender, QueueId queueId, int recipients);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Recording the outcome of {QueueId} failed ({Result}); recording it again in {Seconds} s")]
    private static partial void LogRecordFailed(ILogger logger, QueueId queueId, CommitResult result, double seconds);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "STARTTLS with {Endpoint} failed ({Reason}); delivering in plain text")]
    private static partial void LogTlsFallback(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "{QueueId} is done: every recipient delivered or bounced")]
    private static partial void LogRetired(ILogger logger, QueueId queueId);
}
