using System.Buffers;
using FastSmtp.Delivery;

namespace FastSmtp.Tests.Delivery;

/// <summary>The outbound connection's pooled buffers: what goes in comes out, in order, whatever the sizes.</summary>
public class ConnectionBufferTests
{
    [Fact]
    public void Unread_bytes_move_to_the_front_and_the_buffer_grows_only_up_to_its_limit()
    {
        using var inbound = new InboundBuffer();
        Fill(inbound, "250 first\r\n250 sec"u8);
        inbound.Consume("250 first\r\n".Length);
        Fill(inbound, "ond\r\n"u8);
        Assert.Equal("250 second\r\n"u8.ToArray(), inbound.Unread.ToArray());

        inbound.Consume(inbound.Unread.Length);
        while (!inbound.IsFull)
        {
            Memory<byte> free = inbound.FreeSpace();
            Assert.False(free.IsEmpty);
            free.Span.Fill((byte)'x');
            inbound.Filled(free.Length);
        }

        Assert.Equal(InboundBuffer.MaxSize, inbound.Unread.Length);
        Assert.True(inbound.FreeSpace().IsEmpty);
    }

    [Fact]
    public void Discarding_forgets_everything_received()
    {
        using var inbound = new InboundBuffer();
        Fill(inbound, "220 go ahead\r\n250 injected\r\n"u8);
        inbound.Consume("220 go ahead\r\n".Length);

        inbound.Discard();

        Assert.True(inbound.Unread.IsEmpty);
    }

    [Fact]
    public void Written_bytes_come_out_in_order_across_growth_and_the_buffer_starts_empty_after()
    {
        using var outbound = new OutboundBuffer();
        byte[] expected = new byte[20_000];
        Random.Shared.NextBytes(expected);
        for (int at = 0; at < expected.Length; at += 700)
        {
            outbound.Write(expected.AsSpan(at, Math.Min(700, expected.Length - at)));
        }

        Assert.Equal(expected, outbound.Take().ToArray());
        Assert.Equal(0, outbound.Length);
        outbound.Write("QUIT\r\n"u8);
        Assert.Equal("QUIT\r\n"u8.ToArray(), outbound.Take().ToArray());
    }

    [Fact]
    public void Advancing_past_the_space_asked_for_is_refused()
    {
        using var outbound = new OutboundBuffer();
        int room = outbound.GetSpan(10).Length;

        Assert.Throws<InvalidOperationException>(() => outbound.Advance(room + 1));
    }

    [Fact]
    public void A_repeated_text_is_the_same_string_and_a_new_one_is_made_once()
    {
        var strings = new RecentStrings();
        string first = strings.Get("2.1.0 Ok");
        string again = strings.Get("2.1.0 Ok".AsSpan());
        string other = strings.Get("2.0.0 Ok: queued as 1");

        Assert.Same(first, again);
        Assert.Equal("2.0.0 Ok: queued as 1", other);
        for (int i = 0; i < 8; i++)
        {
            strings.Get("filler " + i);
        }

        // Pushed out by eight newer texts: made anew, still equal.
        string later = strings.Get("2.1.0 Ok");
        Assert.NotSame(first, later);
        Assert.Equal(first, later);
    }

    private static void Fill(InboundBuffer inbound, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(inbound.FreeSpace().Span);
        inbound.Filled(bytes.Length);
    }
}
