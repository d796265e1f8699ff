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

    [Fact]
    public void Message_after_message_a_session_s_body_keeps_its_chunk_whatever_other_sessions_take_from_the_pool()
    {
        using var body = new MessageBody();
        body.Append(new byte[2048]);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body.GetChunk(0), out ArraySegment<byte> first));
        body.Reset();

        // Other sessions hold every chunk the shared pool has at hand.
        var held = Enumerable.Range(0, 200).Select(_ => System.Buffers.ArrayPool<byte>.Shared.Rent(MessageBody.ChunkSize)).ToList();
        try
        {
            body.Append(new byte[2048]);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body.GetChunk(0), out ArraySegment<byte> second));
            Assert.Same(first.Array, second.Array);
        }
        finally
        {
            held.ForEach(chunk => System.Buffers.ArrayPool<byte>.Shared.Return(chunk));
        }
    }

    [Fact]
    public void The_kept_chunk_holds_nothing_of_the_last_message_once_reset()
    {
        using var body = new MessageBody();
        body.Append("first message, longer\r\n"u8);
        body.Reset();
        body.Append("second\r\n"u8);

        Assert.Equal("second\r\n"u8.ToArray(), body.ToArray());
        body.ReleaseSpare();
        body.Reset();
        body.ReleaseSpare();
        Assert.Equal(0, body.Length);
    }
}
