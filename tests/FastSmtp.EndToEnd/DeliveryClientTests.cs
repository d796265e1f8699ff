using System.Net;
using System.Net.Sockets;
using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Protocol;

namespace FastSmtp.EndToEnd;

/// <summary>The outbound client against real next hops: a FastSmtp process, and peers that misbehave.</summary>
public class DeliveryClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _nextHop = fixture.Server;

    [Fact]
    public async Task Delivers_with_pipelining_and_dot_stuffing_and_reports_each_recipient()
    {
        byte[] body = Encoding.ASCII.GetBytes("Subject: outbound\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast\r\n");
        (SmtpDeliveryClient? client, NextHopReply greeting) = await SmtpDeliveryClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _nextHop.Port), "relay.test", CancellationToken.None);
        Assert.NotNull(client);
        Assert.Equal(250, greeting.Code);
        Assert.True(client.Extensions.ContainsKey("PIPELINING"));
        Assert.Equal(26_214_400, client.MaxMessageSize);

        DeliveryResult result;
        await using (client)
        {
            result = await client.SendAsync("sender@relay.test"u8.ToArray(), ["u@remote.example", "nobody@localhost"], body, CancellationToken.None);
        }

        Assert.Equal(250, result.Recipients[0].Code);
        Assert.Equal(550, result.Recipients[1].Code);
        Assert.Contains("user unknown", result.Recipients[1].Text);
        Assert.True(result.Delivered(0));
        Assert.False(result.Delivered(1));
        string queueId = result.Data.Text.Split(' ')[^1];
        var stored = Assert.Single(_nextHop.ReadSpool(), m => m.QueueId.ToString() == queueId);
        Assert.Equal(["u@remote.example"], stored.Recipients.Select(r => r.Address));
        Assert.EndsWith("\r\n" + Encoding.ASCII.GetString(body), Encoding.ASCII.GetString(stored.Body));
    }

    [Fact]
    public async Task A_message_over_the_next_hops_size_is_not_sent()
    {
        (SmtpDeliveryClient? client, _) = await SmtpDeliveryClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _nextHop.Port), "relay.test", CancellationToken.None);
        await using (client!)
        {
            DeliveryResult result = await client!.SendAsync("a@relay.test"u8.ToArray(), ["u@remote.example"], new byte[26_214_401], CancellationToken.None);

            Assert.Equal(552, result.Data.Code);
            Assert.True(result.Data.IsPermanent);
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n", "unreadable reply: NotAReply")]
    [InlineData("", "connection closed by the next hop")]
    [InlineData("554 5.7.1 go away\r\n", "5.7.1 go away")]
    public async Task A_next_hop_that_misbehaves_is_a_failure_not_an_exception(string sent, string expected)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task peer = Task.Run(async () =>
        {
            using TcpClient connection = await listener.AcceptTcpClientAsync();
            await connection.GetStream().WriteAsync(Encoding.ASCII.GetBytes(sent));
        });

        (SmtpDeliveryClient? client, NextHopReply reply) = await SmtpDeliveryClient.ConnectAsync(listener.LocalEndpoint, "relay.test", CancellationToken.None);
        await peer;

        Assert.Null(client);
        Assert.Contains(expected, reply.ToString());
        Assert.False(reply.IsPositive);
    }

    [Fact]
    public async Task A_ten_megabyte_greeting_line_is_a_failure()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task peer = Task.Run(async () =>
        {
            using TcpClient connection = await listener.AcceptTcpClientAsync();
            try
            {
                await connection.GetStream().WriteAsync(Encoding.ASCII.GetBytes("220 " + new string('x', 10 * 1024 * 1024)));
            }
            catch (IOException)
            {
                // The client hangs up after 512 octets.
            }
        });

        (SmtpDeliveryClient? client, NextHopReply reply) = await SmtpDeliveryClient.ConnectAsync(listener.LocalEndpoint, "relay.test", CancellationToken.None);
        await peer;

        Assert.Null(client);
        Assert.Equal("unreadable reply: LineTooLong", reply.Text);
    }

    [Fact]
    public async Task A_closed_port_is_a_temporary_failure()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        EndPoint closed = listener.LocalEndpoint;
        listener.Stop();

        (SmtpDeliveryClient? client, NextHopReply reply) = await SmtpDeliveryClient.ConnectAsync(closed, "relay.test", CancellationToken.None);

        Assert.Null(client);
        Assert.Equal(0, reply.Code);
        Assert.Contains($"connect to {closed} failed: ConnectionRefused", reply.Text);
    }
}
