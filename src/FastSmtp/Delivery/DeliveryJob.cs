using System.Collections;
using FastSmtp.Metrics;
using FastSmtp.Protocol;
using FastSmtp.Queue;

namespace FastSmtp.Delivery;

/// <summary>
/// The recipients of one message that share a destination: one SMTP transaction (or the local
/// recipients' Maildir deliveries). It is also what the spool tells when the deliveries it
/// recorded are durable; that ends the job's part of the pass. As a list it is its recipients'
/// addresses, in order, as the client sends them (no array made for them).
/// </summary>
internal sealed class DeliveryJob(MessagePass pass, string destination, string? nextHop) : IRecordedCallback, IReadOnlyList<string>
{
    public MessagePass Pass { get; } = pass;

    /// <summary>
    /// Where the job goes: the name its recipients are grouped by, and the name its route is
    /// found by (for mail delivered by MX records, the recipients' domain in lower case).
    /// </summary>
    public string Destination { get; } = destination;

    /// <summary>transport.txt's next hop for the domain ("mx" or "host:port"), or null for the default route.</summary>
    public string? NextHop { get; } = nextHop;

    /// <summary>Indexes into the message's recipients.</summary>
    public List<int> Recipients { get; } = new(1);

    /// <summary>The recipients delivered and being recorded.</summary>
    private int _recording;

    int IReadOnlyCollection<string>.Count => Recipients.Count;

    string IReadOnlyList<string>.this[int index] => Pass.Entry.Recipients[Recipients[index]].Address;

    /// <summary>
    /// Records the deliveries as soon as they happen, not when the pass's slowest destination is
    /// done (a crash meanwhile must not send them again), then ends the job's part of the pass.
    /// The worker and its connection go on to the next job meanwhile, instead of idling through
    /// an fsync.
    /// </summary>
    public void RecordThenFinish(Spool spool)
    {
        NextHopReply[] outcomes = Pass.Outcomes;
        int count = 0;
        for (int k = 0; k < Recipients.Count; k++)
        {
            count += outcomes[Recipients[k]].IsPositive ? 1 : 0;
        }

        if (count == 0)
        {
            Pass.Finish();
            return;
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        QueueEntry entry = Pass.Entry;
        var delivered = new RecipientStateChange[count];
        count = 0;
        for (int k = 0; k < Recipients.Count; k++)
        {
            int i = Recipients[k];
            if (outcomes[i].IsPositive)
            {
                delivered[count++] = new RecipientStateChange(entry.QueueId, i, RecipientState.Delivered, entry.Recipients[i].Attempts + 1, now, outcomes[i].ToString());
            }
        }

        _recording = count;
        spool.Record(delivered, this);
    }

    /// <summary>On the spool's commit thread: committed changes are already applied to the entry.</summary>
    void IRecordedCallback.Recorded(CommitResult result)
    {
        if (result == CommitResult.Committed)
        {
            SmtpMetrics.Delivery("delivered", _recording);
            for (int k = 0; k < Recipients.Count; k++)
            {
                int i = Recipients[k];
                Pass.RecordedEarly[i] = Pass.Outcomes[i].IsPositive;
            }
        }

        Pass.Finish();
    }

    IEnumerator<string> IEnumerable<string>.GetEnumerator()
    {
        for (int k = 0; k < Recipients.Count; k++)
        {
            yield return Pass.Entry.Recipients[Recipients[k]].Address;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<string>)this).GetEnumerator();
}
