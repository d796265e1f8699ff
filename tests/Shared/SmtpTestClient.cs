using System.Text;

namespace FastSmtp.Testing;

/// <summary>
/// The client side of a test conversation: send text, read whole replies. Subclasses supply
/// the transport (an in-memory pipe, a socket).
/// </summary>
internal abstract class SmtpTestClient
{
    private readonly StringBuilder _pending = new();

    /// <summary>Bytes already received but not yet read as replies.</summary>
    public string Unread => _pending.ToString();

    public abstract Task SendAsync(byte[] bytes);

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>The next complete reply, all its lines; null when the server closed the connection.</summary>
    public async Task<string?> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            string text = _pending.ToString();
            int end = SmtpReplyFraming.FindReplyEnd(text);
            if (end >= 0)
            {
                _pending.Remove(0, end);
                return text[..end];
            }

            string? received = await ReceiveAsync(cancel.Token);
            if (received is null)
            {
                return null;
            }

            _pending.Append(received);
        }
    }

    public async Task<List<string>> ReadRepliesAsync(int count)
    {
        var replies = new List<string>();
        for (int i = 0; i < count; i++)
        {
            replies.Add(await ReadReplyAsync() ?? throw new InvalidOperationException($"connection closed after {replies.Count} replies: {string.Join(" | ", replies)}"));
        }

        return replies;
    }

    /// <summary>Sends one command line and returns its reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync() ?? throw new InvalidOperationException("connection closed");
    }

    /// <summary>Whatever arrived next, as text; null once the peer has closed.</summary>
    protected abstract Task<string?> ReceiveAsync(CancellationToken cancellationToken);
}
