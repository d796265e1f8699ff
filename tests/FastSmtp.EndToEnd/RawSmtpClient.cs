using FastSmtp.Testing;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace FastSmtp.EndToEnd;

/// <summary>
/// A bare TCP client for what a mail library refuses to send: pipelined groups in one write,
/// bare line feeds, split writes, over-long lines, bytes after STARTTLS.
/// </summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StringBuilder _pending = new();
    private Stream _stream;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawSmtpClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawSmtpClient(tcp);
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The next complete reply, all its lines; null when the server closed the connection.</summary>
    public async Task<string?> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        byte[] buffer = new byte[8192];
        while (true)
        {
            string text = _pending.ToString();
            int end = SmtpReplyFraming.FindReplyEnd(text);
            if (end >= 0)
            {
                _pending.Remove(0, end);
                return text[..end];
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cancel.Token);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
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

    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync() ?? throw new InvalidOperationException("connection closed");
    }

    /// <summary>Bytes already received but not yet read as replies.</summary>
    public string Unread => _pending.ToString();

    public async Task UpgradeToTlsAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        _stream = tls;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
