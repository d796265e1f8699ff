using System.Buffers;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace SmtpServerPeer;

/// <summary>Accepts every message and keeps nothing: the peer's cost is its protocol handling alone.</summary>
internal sealed class NullMessageStore : MessageStore
{
    private long _messages;

    /// <summary>Messages accepted, so the load script can check that none was lost.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _messages);
        return Task.FromResult(SmtpResponse.Ok);
    }
}
