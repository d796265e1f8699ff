using System.Text;
using FastSmtp.Queue;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace FastSmtp.EndToEnd;

/// <summary>A real client library against the real server process.</summary>
public class MailKitTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task A_message_sent_with_MailKit_is_in_the_spool_under_the_id_it_was_given()
    {
        MimeMessage message = Message("fred@widget.com", "bob@example.test", "hello from MailKit");

        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);
        string response = await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        string queueId = response.Split(' ')[^1];
        SpooledMessage stored = Assert.Single(_server.ReadSpool(), m => m.QueueId.ToString() == queueId);
        Assert.Equal("fred@widget.com", stored.MailFrom);
        Assert.Equal(["bob@example.test"], stored.Recipients.Select(r => r.Address));
        Assert.Equal("127.0.0.1", stored.ClientAddress);
        string body = Encoding.UTF8.GetString(stored.Body);
        Assert.StartsWith("Received: from ", body);
        Assert.Contains($"with ESMTP id {queueId}", body);
        Assert.Contains("Subject: hello from MailKit", body);
    }

    [Fact]
    public async Task Several_messages_on_one_connection_and_several_clients_at_once_are_all_kept()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 4), async (client, _) =>
        {
            using var smtp = new SmtpClient();
            await smtp.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);
            for (int i = 0; i < 5; i++)
            {
                string response = await smtp.SendAsync(Message($"c{client}@a.example", $"m{i}@b.example", $"client {client} message {i}"));
                ids.Add(response.Split(' ')[^1]);
            }

            await smtp.DisconnectAsync(quit: true);
        });

        HashSet<string> spooled = _server.ReadSpool().Select(m => m.QueueId.ToString()).ToHashSet();
        Assert.Equal(20, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Contains(id, spooled));
    }

    [Fact]
    public async Task A_large_attachment_arrives_whole()
    {
        byte[] attachment = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(attachment);
        var builder = new BodyBuilder { TextBody = "see attachment" };
        builder.Attachments.Add("random.bin", attachment);
        MimeMessage message = Message("a@a.example", "b@b.example", "large");
        message.Body = builder.ToMessageBody();

        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);
        string queueId = (await client.SendAsync(message)).Split(' ')[^1];
        await client.DisconnectAsync(quit: true);

        SpooledMessage stored = Assert.Single(_server.ReadSpool(), m => m.QueueId.ToString() == queueId);
        MimeMessage parsed = MimeMessage.Load(new MemoryStream(stored.Body));
        var part = (MimePart)parsed.Attachments.Single();
        using var decoded = new MemoryStream();
        await part.Content!.DecodeToAsync(decoded);
        Assert.Equal(attachment, decoded.ToArray());
    }

    [Fact]
    public async Task The_size_limit_is_advertised_and_the_server_capabilities_are_what_the_spec_lists()
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);

        Assert.Equal(26_214_400u, client.MaxSize);
        SmtpCapabilities expected = SmtpCapabilities.Pipelining | SmtpCapabilities.Size | SmtpCapabilities.EightBitMime |
            SmtpCapabilities.UTF8 | SmtpCapabilities.EnhancedStatusCodes | SmtpCapabilities.Chunking | SmtpCapabilities.Dsn;
        Assert.Equal(expected, client.Capabilities & expected);
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        await client.DisconnectAsync(quit: true);
    }

    internal static MimeMessage Message(string from, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Line one.\n.A line starting with a dot.\nLast line.\n" };
        return message;
    }
}
