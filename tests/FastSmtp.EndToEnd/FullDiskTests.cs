using FastSmtp.EndToEnd.Peers;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>A full disk makes the server answer 452 and keeps every message it acknowledged.</summary>
public class FullDiskTests
{
    [SkippableTheory]
    [InlineData(60 * 1024)]
    [InlineData(300 * 1024)]
    public async Task A_full_spool_answers_452_and_keeps_what_it_acknowledged(int messageSize)
    {
        RequiredTool.Find("unshare", "util-linux");
        int downHop = RequiredTool.FreeTcpPort();
        await using ServerProcess server = await ServerProcess.StartWithSmallSpoolAsync(1024 * 1024, "--smarthost", $"127.0.0.1:{downHop}");
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");
        string body = string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", messageSize / 72));

        var acknowledged = new List<string>();
        string? refusal = null;
        for (int i = 0; i < 40 && refusal is null; i++)
        {
            await client.SendAsync("MAIL FROM:<a@client.test>\r\nRCPT TO:<b@remote.example>\r\nDATA\r\n");
            Assert.StartsWith("354", (await client.ReadRepliesAsync(3))[2]);
            await client.SendAsync($"Subject: {i}\r\n\r\n{body}.\r\n");
            string reply = (await client.ReadReplyAsync())!;
            if (reply.StartsWith("250", StringComparison.Ordinal))
            {
                acknowledged.Add(reply.Trim().Split(' ')[^1]);
            }
            else
            {
                refusal = reply;
            }
        }

        Assert.Equal("452 4.3.1 Error: insufficient system storage", refusal?.Trim());
        Assert.NotEmpty(acknowledged);
        HashSet<string> kept = SpoolReader.ReadMessages(server.VisibleSpool).Select(m => m.QueueId.ToString()).ToHashSet();
        Assert.All(acknowledged, id => Assert.Contains(id, kept));

        // The session is still usable: the client may try again later.
        Assert.StartsWith("250", await client.CommandAsync("NOOP"));
    }
}
