using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Queue;

namespace FastSmtp.Tests.Delivery;

public class MaildirWriterTests
{
    [Fact]
    public void A_delivered_message_is_whole_in_new_and_nothing_stays_in_tmp()
    {
        using var directory = new TempDirectory();
        var writer = new MaildirWriter(directory.Path);
        byte[] message = Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nhello\r\n");

        string path = writer.Deliver("Mail.Local.Test", "Fred", message);

        string maildir = Path.Combine(directory.Path, "mail.local.test", "fred");
        Assert.Equal(Path.Combine(maildir, "new"), Path.GetDirectoryName(path));
        Assert.Equal(message, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        Assert.True(Directory.Exists(Path.Combine(maildir, "cur")));
    }

    [Fact]
    public void A_pooled_body_of_several_chunks_is_written_in_order()
    {
        using var directory = new TempDirectory();
        using var body = new MessageBody();
        byte[] data = Enumerable.Range(0, (3 * MessageBody.ChunkSize) + 5).Select(i => (byte)('a' + (i % 26))).ToArray();
        body.Append(data);

        string path = new MaildirWriter(directory.Path).Deliver("mail.local.test", "fred", body);

        Assert.Equal(data, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Concurrent_deliveries_get_distinct_names()
    {
        using var directory = new TempDirectory();
        var writer = new MaildirWriter(directory.Path);

        string[] paths = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => writer.Deliver("mail.local.test", "fred", Encoding.ASCII.GetBytes($"message {i}\r\n")))));

        Assert.Equal(64, paths.Distinct().Count());
        Assert.Equal(64, Directory.GetFiles(Path.Combine(directory.Path, "mail.local.test", "fred", "new")).Length);
    }

    [Theory]
    [InlineData("../../etc", "_.._.._etc")]
    [InlineData(".hidden", "_.hidden")]
    [InlineData("a/b", "a_b")]
    public void A_user_name_cannot_leave_the_maildir_root(string user, string folder)
    {
        using var directory = new TempDirectory();
        var writer = new MaildirWriter(directory.Path);

        string path = writer.Deliver("mail.local.test", user, "x\r\n"u8.ToArray());

        Assert.StartsWith(Path.Combine(directory.Path, "mail.local.test", folder) + Path.DirectorySeparatorChar, path);
    }
}
