using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Protocol;

namespace FastSmtp.EndToEnd;

/// <summary>
/// How the outbound client reads what a next hop sends: replies split into single bytes, a
/// long multi-line reply, several replies in one write, and plain text sent after STARTTLS's 220
/// (which must never be read as if it had come over TLS). The next hop is a scripted peer on a
/// loopback socket.
/// </summary>
public class DeliveryClientReadingTests
{
    [Fact]
    public async Task Replies_trickled_a_byte_at_a_time_are_read_whole()
    {
        await using var peer = ScriptedPeer.Start(async (stream, lines) =>
        {
            await Trickle(stream, "220 peer ESMTP\r\n");
            Assert.StartsWith("EHLO ", await lines.ReadLineAsync());
            await Trickle(stream, "250-peer\r\n250-SIZE 1000000\r\n250 PIPELINING\r\n");
            Assert.Equal("MAIL FROM:<a@relay.test> SIZE=6", await lines.ReadLineAsync());
            Assert.Equal("RCPT TO:<b@remote.example>", await lines.ReadLineAsync());
            Assert.Equal("DATA", await lines.ReadLineAsync());
            await Trickle(stream, "250 2.1.0 sender ok\r\n250 2.1.5 recipient ok\r\n354 go ahead\r\n");
            Assert.Equal("body", await lines.ReadLineAsync());
            Assert.Equal(".", await lines.ReadLineAsync());
            await Trickle(stream, "250 2.0.0 queued as T1\r\n");
        });

        (SmtpDeliveryClient? client, NextHopReply hello) = await SmtpDeliveryClient.ConnectAsync(peer.EndPoint, "relay.test", CancellationToken.None);
        Assert.NotNull(client);
        Assert.Equal(250, hello.Code);
        await using (client)
        {
            DeliveryResult result = await client.SendAsync("a@relay.test"u8.ToArray(), ["b@remote.example"], "body\r\n"u8.ToArray(), CancellationToken.None);

            Assert.Equal(new NextHopReply(250, "2.1.5 recipient ok"), result.Recipients[0]);
            Assert.Equal(new NextHopReply(250, "2.0.0 queued as T1"), result.Data);
            Assert.True(result.Delivered(0));
        }

        await peer.Finished;
    }

    [Fact]
    public async Task A_multi_line_reply_of_a_hundred_long_lines_is_read_and_the_next_reply_after_it()
    {
        string longLine = new('k', 400);
        var ehlo = new StringBuilder("250-peer\r\n");
        for (int i = 0; i < 98; i++)
        {
            ehlo.Append($"250-X{i} {longLine}\r\n");
        }

        ehlo.Append("250 PIPELINING\r\n");
        await using var peer = ScriptedPeer.Start(async (stream, lines) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("220 peer\r\n"));
            await lines.ReadLineAsync();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(ehlo.ToString()));
            for (int i = 0; i < 3; i++)
            {
                await lines.ReadLineAsync();
            }

            // Every reply of the transaction in one write, the last one with it.
            await stream.WriteAsync("250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n"u8.ToArray());
            Assert.Equal("RSET", await lines.ReadLineAsync());
            await stream.WriteAsync("250 reset\r\n"u8.ToArray());
        });

        (SmtpDeliveryClient? client, _) = await SmtpDeliveryClient.ConnectAsync(peer.EndPoint, "relay.test", CancellationToken.None);
        Assert.NotNull(client);
        await using (client)
        {
            Assert.Equal(99, client.Extensions.Count);
            Assert.Equal(longLine, client.Extensions["X97"]);
            DeliveryResult result = await client.SendAsync("a@relay.test"u8.ToArray(), ["nobody@remote.example"], "body\r\n"u8.ToArray(), CancellationToken.None);

            Assert.Equal(new NextHopReply(550, "5.1.1 no such user"), result.Recipients[0]);
            Assert.Equal(554, result.Data.Code);
            Assert.True(client.IsReusable);
        }

        await peer.Finished;
    }

    [Fact]
    public async Task Plain_text_sent_after_the_starttls_go_ahead_is_discarded_not_read_as_a_reply_over_tls()
    {
        string directory = Path.Combine(Path.GetTempPath(), "fastsmtp-inject-" + Guid.NewGuid().ToString("N"));
        (string certificatePath, string keyPath) = TestCertificate.Create(directory);
        using X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        try
        {
            await using var peer = ScriptedPeer.Start(async (stream, lines) =>
            {
                await stream.WriteAsync("220 peer\r\n"u8.ToArray());
                await lines.ReadLineAsync();
                await stream.WriteAsync("250-peer\r\n250 STARTTLS\r\n"u8.ToArray());
                Assert.Equal("STARTTLS", await lines.ReadLineAsync());

                // The go-ahead and, in the same write, a reply the client has not asked for yet.
                await stream.WriteAsync("220 go ahead\r\n250 injected before tls\r\n"u8.ToArray());
                await using var tls = new SslStream(stream);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate });
                var secureLines = new StreamReader(tls, Encoding.ASCII);
                Assert.StartsWith("EHLO ", await secureLines.ReadLineAsync());
                await tls.WriteAsync("250-peer\r\n250-SIZE 4242\r\n250 PIPELINING\r\n"u8.ToArray());
                await secureLines.ReadLineAsync();
            });

            (SmtpDeliveryClient? client, NextHopReply hello) = await SmtpDeliveryClient.ConnectAsync(peer.EndPoint, "relay.test", CancellationToken.None);
            Assert.NotNull(client);
            await using (client)
            {
                Assert.True(client.IsTls);
                Assert.Equal(250, hello.Code);
                Assert.Equal(4242, client.MaxMessageSize);
            }

            await peer.Finished;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task Trickle(Stream stream, string text)
    {
        foreach (byte octet in Encoding.ASCII.GetBytes(text))
        {
            await stream.WriteAsync(new[] { octet });
            await stream.FlushAsync();
        }
    }

    /// <summary>A next hop on a loopback port that follows a script for one connection.</summary>
    private sealed class ScriptedPeer : IAsyncDisposable
    {
        private readonly TcpListener _listener;

        private ScriptedPeer(TcpListener listener, Task finished)
        {
            _listener = listener;
            Finished = finished;
        }

        public EndPoint EndPoint => _listener.LocalEndpoint;

        /// <summary>The script's end; a failed assertion in it surfaces here.</summary>
        public Task Finished { get; }

        public static ScriptedPeer Start(Func<NetworkStream, StreamReader, Task> script)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            Task finished = Task.Run(async () =>
            {
                using TcpClient connection = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
                NetworkStream stream = connection.GetStream();
                // One byte at a time, so nothing meant for TLS is read into this reader's buffer.
                var lines = new StreamReader(new ByteAtATimeStream(stream), Encoding.ASCII);
                await script(stream, lines).WaitAsync(TimeSpan.FromSeconds(30));
            });
            return new ScriptedPeer(listener, finished);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await Finished.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Reads at most one byte per call from the stream beneath.</summary>
    private sealed class ByteAtATimeStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, Math.Min(count, 1), cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
