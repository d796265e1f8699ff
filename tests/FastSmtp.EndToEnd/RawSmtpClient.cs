using FastSmtp.Testing;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace FastSmtp.EndToEnd;

/// <summary>
/// A bare TCP client for what a mail library refuses to send: pipelined groups in one write,
/// bare line feeds, split writes, over-long lines, bytes after STARTTLS.
/// </summary>
internal sealed class RawSmtpClient : SmtpTestClient, IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[8192];
    private Stream _stream;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    private static int s_nextSource;

    /// <summary>
    /// Connects from <paramref name="from"/>, or from a loopback address of its own
    /// (127.0.1.1, 127.0.1.2, ...): an auto-deny one test provokes then denies only that test's
    /// address. The tests' policies relay only for 127.0.0.1, so these are outsiders.
    /// </summary>
    public static async Task<RawSmtpClient> ConnectAsync(int port, string? from = null)
    {
        from ??= NextSourceAddress();
        var tcp = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0)) { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        return new RawSmtpClient(tcp);
    }

    /// <summary>The loopback address this client connected from.</summary>
    public string LocalAddress => ((System.Net.IPEndPoint)_tcp.Client.LocalEndPoint!).Address.ToString();

    public static string NextSourceAddress()
    {
        int n = Interlocked.Increment(ref s_nextSource);
        return $"127.0.{1 + (n / 250)}.{1 + (n % 250)}";
    }

    private static int s_nextNetwork;

    /// <summary>A loopback address in a /24 of its own (127.1.0.1, 127.1.1.1, ...): for what the server counts per network, as AUTH failures.</summary>
    public static string NextNetworkAddress()
    {
        int n = Interlocked.Increment(ref s_nextNetwork);
        return $"127.{1 + (n / 250)}.{n % 250}.1";
    }

    public override async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>TLS from here on; returns the certificate the server presented.</summary>
    public async Task<System.Security.Cryptography.X509Certificates.X509Certificate> UpgradeToTlsAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        _stream = tls;
        return tls.RemoteCertificate!;
    }

    protected override async Task<string?> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            int read = await _stream.ReadAsync(_buffer, cancellationToken);
            return read == 0 ? null : Encoding.UTF8.GetString(_buffer, 0, read);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
