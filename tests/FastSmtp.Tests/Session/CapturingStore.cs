using FastSmtp.Queue;

namespace FastSmtp.Tests.Session;

/// <summary>A store for unit tests of the session: keeps copies of what it is given.</summary>
internal sealed class CapturingStore : IMessageStore
{
    public List<(string From, string[] Recipients, byte[] Body, QueueId Id, MessageProtocol Protocol)> Messages { get; } = [];

    public CommitResult Result { get; set; } = CommitResult.Committed;

    public int Backlog { get; set; }

    /// <summary>Bodies stay in memory, whatever their size.</summary>
    public void Spill(PendingMessage message)
    {
    }

    public ValueTask<CommitResult> CommitAsync(PendingMessage message)
    {
        if (Result == CommitResult.Committed)
        {
            lock (Messages)
            {
                Messages.Add((message.MailFrom, message.Recipients.Select(r => r.Address).ToArray(), message.Body.ToArray(), message.QueueId, message.Protocol));
            }
        }

        return ValueTask.FromResult(Result);
    }
}
