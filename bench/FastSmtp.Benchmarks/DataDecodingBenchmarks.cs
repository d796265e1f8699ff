using FastSmtp.Testing;
using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastSmtp.Protocol;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Dot-unstuffing and the end-of-data search over 1 MB of message text in 16 KB segments. The
/// baseline reads lines with a StreamReader and unstuffs strings.
/// </summary>
[MemoryDiagnoser]
public class DataDecodingBenchmarks
{
    private byte[] _wire = [];
    private ReadOnlySequence<byte> _segments;

    [GlobalSetup]
    public void Setup()
    {
        var builder = new StringBuilder();
        int i = 0;
        while (builder.Length < 1024 * 1024)
        {
            builder.Append(i++ % 10 == 0 ? "..a dot-stuffed line of text in the message body\r\n" : "An ordinary line of message text, about seventy-six characters long ......\r\n");
        }

        builder.Append(".\r\n");
        _wire = Encoding.ASCII.GetBytes(builder.ToString());
        int[] cuts = Enumerable.Range(1, _wire.Length / 16384).Select(n => n * 16384).ToArray();
        _segments = Segments.Split(_wire, cuts);
    }

    [Benchmark(Baseline = true)]
    public long StreamReaderLines()
    {
        using var reader = new StreamReader(new MemoryStream(_wire), Encoding.ASCII);
        long length = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line == ".")
            {
                break;
            }

            length += (line.StartsWith('.') ? line.Length - 1 : line.Length) + 2;
        }

        return length;
    }

    [Benchmark]
    public long DataDecoder()
    {
        var decoder = new DataDecoder();
        decoder.Reset();
        var sink = new CountingSink();
        decoder.Decode(_segments, ref sink, out _);
        return sink.Length;
    }

    private struct CountingSink : IContentSink
    {
        public long Length;

        public void Append(ReadOnlySpan<byte> content) => Length += content.Length;
    }
}
