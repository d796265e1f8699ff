using FastSmtp.Queue;

namespace FastSmtp.Tests.Queue;

public class MessageBodyTests
{
    [Fact]
    public void Appends_across_chunk_boundaries_in_order()
    {
        using var body = new MessageBody();
        byte[] data = Enumerable.Range(0, 3 * MessageBody.ChunkSize + 17).Select(i => (byte)(i * 7)).ToArray();
        foreach (byte[] piece in data.Chunk(1000))
        {
            body.Append(piece);
        }

        Assert.Equal(data.Length, body.Length);
        Assert.Equal(data, body.ToArray());
        Assert.False(body.NeedsSpill);
    }

    [Fact]
    public void A_reset_body_forgets_its_content_and_deletes_an_uncommitted_spill_file()
    {
        using var directory = new TempDirectory();
        using var body = new MessageBody();
        body.Append(new byte[MessageBody.InlineLimit + 1]);
        Assert.True(body.NeedsSpill);
        string path = Path.Combine(directory.Path, "spilled");
        body.SpillTo(SpoolFileSystem.Instance, path);
        body.Append(new byte[MessageBody.ChunkSize * 2]);
        body.FlushToDisk();
        Assert.Equal(MessageBody.InlineLimit + 1 + (MessageBody.ChunkSize * 2), new FileInfo(path).Length);

        body.Reset();

        Assert.Equal(0, body.Length);
        Assert.False(File.Exists(path));
    }
}
