using System.Text;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastSmtp.Tests.Queue;

/// <summary>A record read back for delivery: the sender and body as received, the envelope on demand, one buffer for message after message.</summary>
public class SpooledRecordTests
{
    [Fact]
    public async Task Messages_read_one_after_another_into_one_record_each_show_their_own_sender_body_and_envelope()
    {
        using var directory = new TempDirectory();
        PendingMessage large = SpoolTests.NewMessage("first-sender@a.example", ["one@b.example", "two@c.example"], new string('x', 9000) + "\r\n");
        PendingMessage small = SpoolTests.NewMessage("", ["three@d.example"], "short\r\n");
        large.Recipients[1] = large.Recipients[1] with { Notify = RecipientNotify.Success };
        var entries = new List<QueueEntry>();
        using var spool = new Spool(directory.Path, NullLogger<Spool>.Instance);
        spool.Committed += entries.Add;
        Assert.Equal(CommitResult.Committed, await spool.CommitAsync(large));
        Assert.Equal(CommitResult.Committed, await spool.CommitAsync(small));

        using var record = new SpooledRecord();
        spool.ReadRecord(entries[0], record);
        Assert.Equal("first-sender@a.example", Encoding.UTF8.GetString(record.MailFrom.Span));
        Assert.EndsWith(new string('x', 9000) + "\r\n", Encoding.ASCII.GetString(record.Body.Span));
        Assert.Equal(["one@b.example", "two@c.example"], record.Envelope.Recipients.Select(r => r.Address));
        Assert.Equal(RecipientNotify.Success, entries[0].Recipients[1].Notify);

        spool.ReadRecord(entries[1], record);
        Assert.True(record.MailFrom.IsEmpty);
        Assert.Equal("short\r\n", Encoding.ASCII.GetString(record.Body.Span));
        Assert.Equal(small.QueueId, record.Envelope.QueueId);
        Assert.Equal(string.Empty, record.Envelope.MailFrom);
        Assert.Equal(["three@d.example"], record.Envelope.Recipients.Select(r => r.Address));
    }
}
