using FastSmtp.Protocol;
using System.Threading.Tasks.Sources;

namespace FastSmtp.Queue;

/// <summary>
/// The transaction a session is building: envelope, body, and the completion the store signals
/// when the message is durable. One per session, reset and reused, so committing a message
/// allocates no task.
/// </summary>
public sealed class PendingMessage : IValueTaskSource<CommitResult>
{
    // Continuations run on the thread pool, never on the spool's commit thread.
    private ManualResetValueTaskSourceCore<CommitResult> _completion = new() { RunContinuationsAsynchronously = true };

    public QueueId QueueId { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public string ClientAddress { get; set; } = string.Empty;

    public string HeloName { get; set; } = string.Empty;

    public MessageProtocol Protocol { get; set; }

    /// <summary>The reverse-path; empty for the null sender &lt;&gt;.</summary>
    public string MailFrom { get; set; } = string.Empty;

    public bool EightBitMime { get; set; }

    public bool SmtpUtf8 { get; set; }

    public DsnReturn Return { get; set; }

    public string? EnvelopeId { get; set; }

    public List<SpoolRecipient> Recipients { get; } = [];

    public MessageBody Body { get; } = new();

    /// <summary>Clears the envelope and body for the next transaction (RSET, HELO, after commit).</summary>
    public void Reset()
    {
        QueueId = default;
        MailFrom = string.Empty;
        EightBitMime = false;
        SmtpUtf8 = false;
        Return = DsnReturn.Default;
        EnvelopeId = null;
        Recipients.Clear();
        Body.Reset();
    }

    /// <summary>Arms the completion for one commit and returns what the session awaits.</summary>
    public ValueTask<CommitResult> PrepareCommit()
    {
        _completion.Reset();
        return new ValueTask<CommitResult>(this, _completion.Version);
    }

    /// <summary>Called by the store when the message is durable or has failed.</summary>
    public void CompleteCommit(CommitResult result) => _completion.SetResult(result);

    CommitResult IValueTaskSource<CommitResult>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<CommitResult>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<CommitResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
