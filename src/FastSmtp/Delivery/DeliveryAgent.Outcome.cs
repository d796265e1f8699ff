using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using FastSmtp.Metrics;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using MimeKit;

namespace FastSmtp.Delivery;

public sealed partial class DeliveryAgent
{
    /// <summary>
    /// Turns a pass's replies into recipient states: delivered; failed (5xx, or temporary
    /// failures past five days); deferred to the next step of the retry schedule. The DSN is
    /// queued before the states are recorded, so a crash in between can repeat a DSN but never
    /// lose one.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CompletePassAsync(MessagePass pass)
    {
        QueueEntry entry = pass.Entry;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        // Made only when needed: most passes deliver everything early and report nothing.
        List<RecipientStateChange>? changes = null;
        List<RecipientStateChange>? reports = null;
        for (int i = 0; i < entry.Recipients.Length; i++)
        {
            NextHopReply reply = pass.Outcomes[i];
            RecipientProgress recipient = entry.Recipients[i];
            if (pass.RecordedEarly[i])
            {
                if (ReportWanted(pass, i, RecipientState.Delivered))
                {
                    (reports ??= []).Add(new RecipientStateChange(entry.QueueId, i, RecipientState.Delivered, recipient.Attempts, now, null));
                }

                continue;
            }

            // A deleted recipient is never bounced; a held one keeps what the pass found (a
            // deferral does not take it off hold).
            if (reply == default || recipient.IsFinished)
            {
                continue;
            }

            int attempts = recipient.Attempts + 1;
            if (reply.IsPositive)
            {
                (changes ??= []).Add(new RecipientStateChange(entry.QueueId, i, RecipientState.Delivered, attempts, now, reply.ToString()));
            }
            else if (reply.IsPermanent)
            {
                (changes ??= []).Add(new RecipientStateChange(entry.QueueId, i, RecipientState.Failed, attempts, now, reply.ToString()));
            }
            else if (RetrySchedule.NextAttempt(attempts, entry.ReceivedAt, now) is { } next)
            {
                (changes ??= []).Add(new RecipientStateChange(entry.QueueId, i, RecipientState.Deferred, attempts, next, reply.ToString()));
            }
            else
            {
                (changes ??= []).Add(new RecipientStateChange(entry.QueueId, i, RecipientState.Failed, attempts, now, "4.4.7 delivery time expired; last reply: " + reply));
            }
        }

        for (int c = 0; c < (changes?.Count ?? 0); c++)
        {
            if (ReportWanted(pass, changes![c].RecipientIndex, changes[c].State))
            {
                (reports ??= []).Add(changes[c]);
            }
        }

        if (reports is not null && !await QueueReportAsync(pass, reports))
        {
            // No room for the DSN: the failed recipients wait, and are tried (and reported) again.
            for (int c = 0; c < (changes?.Count ?? 0); c++)
            {
                if (changes![c].State == RecipientState.Failed)
                {
                    changes[c] = changes[c] with { State = RecipientState.Deferred, NextAttempt = now + TimeSpan.FromMinutes(5) };
                }
            }
        }

        if (changes is not null && !await RecordUntilDurableAsync(entry, changes))
        {
            return;
        }

        foreach (RecipientStateChange change in changes ?? [])
        {
            SmtpMetrics.Delivery(change.State switch
            {
                RecipientState.Delivered => "delivered",
                RecipientState.Failed => "bounced",
                _ => "deferred",
            });
        }

        ScheduleNext(entry);
    }

    /// <summary>
    /// Records a pass's outcome, trying again while the spool cannot commit: the deliveries have
    /// happened, so trying them again instead would send them twice. Gives up only when the
    /// server stops (the next start then repeats the pass, as after a crash).
    /// </summary>
    private async ValueTask<bool> RecordUntilDurableAsync(QueueEntry entry, List<RecipientStateChange> changes)
    {
        TimeSpan wait = TimeSpan.FromSeconds(1);
        while (true)
        {
            CommitResult recorded = await _spool.RecordAsync(changes);
            if (recorded == CommitResult.Committed)
            {
                return true;
            }

            LogRecordFailed(_logger, entry.QueueId, recorded, wait.TotalSeconds);
            try
            {
                await Task.Delay(wait, _stopping);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    /// <summary>
    /// Whether a report may carry the message itself (RET=FULL): not when it came from an
    /// unauthenticated client outside relay.txt and the report would leave the local domains.
    /// Otherwise anyone could mail content to a forged sender through this server, with
    /// NOTIFY=SUCCESS or to a failing recipient, even under relay = none (DSN reflection): only
    /// the headers go back.
    /// </summary>
    private bool ContentMayReturn(SpooledMessage original)
    {
        bool trusted = original.Protocol is MessageProtocol.Esmtpa or MessageProtocol.Esmtpsa
            || (IPAddress.TryParse(original.ClientAddress, out IPAddress? client) && _policy.Current.RelayLine(client) != 0);
        return trusted || IsLocal(original.MailFrom);
    }

    private void ScheduleNext(QueueEntry entry)
    {
        if (entry.IsDone)
        {
            _spool.Retire(entry);
            LogRetired(_logger, entry.QueueId);
            return;
        }

        if (!entry.HasWaiting)
        {
            // On hold: it waits in the spool for `queue release`.
            return;
        }

        DateTimeOffset next = entry.Recipients.Where(r => r.State == RecipientState.Deferred).Select(r => r.NextAttempt).DefaultIfEmpty(DateTimeOffset.UtcNow).Min();
        Defer(entry, next);
    }

    /// <summary>
    /// RFC 3461: failures are reported unless NOTIFY=NEVER (or NOTIFY lists other events only),
    /// deliveries when NOTIFY has SUCCESS; deferrals never.
    /// </summary>
    private static bool ReportWanted(MessagePass pass, int index, RecipientState state)
    {
        if (state is not (RecipientState.Failed or RecipientState.Delivered))
        {
            return false;
        }

        RecipientNotify notify = pass.Entry.Recipients[index].Notify;
        // Masks, not HasFlag: HasFlag boxed the value here (seen in an allocation profile).
        return state == RecipientState.Delivered
            ? (notify & RecipientNotify.Success) != 0
            : (notify & RecipientNotify.Never) == 0 && (notify == RecipientNotify.Default || (notify & RecipientNotify.Failure) != 0);
    }

    /// <summary>
    /// Queues a DSN for <paramref name="changes"/> (the recipients <see cref="ReportWanted"/>
    /// selected), never to the null sender. Returns false only when it could not be queued.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> QueueReportAsync(MessagePass pass, List<RecipientStateChange> changes)
    {
        var reported = new List<BounceBuilder.ReportedRecipient>();
        SpooledMessage? original = null;
        LoadedMessage? loaded = null;
        foreach (RecipientStateChange change in changes)
        {
            loaded ??= pass.Message();
            original ??= loaded.Message;
            SpoolRecipient recipient = original.Recipients[change.RecipientIndex];
            bool delivered = change.State == RecipientState.Delivered;

            // An expired recipient is reported with why it expired, not just its last reply.
            NextHopReply reply = !delivered && change.LastResponse is { } last && last.StartsWith("4.4.7", StringComparison.Ordinal)
                ? new NextHopReply(0, last)
                : pass.Outcomes[change.RecipientIndex];
            reported.Add(new BounceBuilder.ReportedRecipient(recipient.Address, recipient.OriginalRecipient, reply, delivered));
        }

        if (original is null || original.MailFrom.Length == 0 || reported.Count == 0)
        {
            return true;
        }

        SpooledMessage returned = loaded!.WithBody();
        if (!ContentMayReturn(original))
        {
            returned = returned with { Return = DsnReturn.Headers };
        }

        if (BounceBuilder.Build(returned, reported, Hostname, DateTimeOffset.UtcNow) is not { } report)
        {
            return true;
        }

        var message = new PendingMessage
        {
            QueueId = QueueId.Next(),
            ReceivedAt = DateTimeOffset.UtcNow,
            ClientAddress = "127.0.0.1",
            HeloName = Hostname,
            Protocol = MessageProtocol.Esmtp,
            MailFrom = string.Empty,
        };
        try
        {
            var finals = new List<string>();
            _policy.Current.Expand(Encoding.UTF8.GetBytes(original.MailFrom), finals);
            foreach (string final in finals)
            {
                message.Recipients.Add(new SpoolRecipient(final, RecipientNotify.Never, null));
            }

            message.Body.Append(BounceBuilder.ToWireBytes(report));
            if (message.Body.NeedsSpill)
            {
                _spool.Spill(message);
            }

            CommitResult result = await _spool.CommitAsync(message);
            if (result == CommitResult.Committed)
            {
                LogDsnQueued(_logger, message.QueueId, original.MailFrom, pass.Entry.QueueId, reported.Count);
                message.Body.Reset(keepFile: true);
                return true;
            }

            return false;
        }
        finally
        {
            message.Reset();
        }
    }
}
