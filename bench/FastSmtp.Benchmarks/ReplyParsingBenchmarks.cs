using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastSmtp.Protocol;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Reading a next hop's replies: a ten-line EHLO reply and three pipelined one-line replies, per
/// reply. The baseline reads lines as strings and parses the code with int.Parse.
/// </summary>
[MemoryDiagnoser]
public class ReplyParsingBenchmarks
{
    private const int RepliesPerInvoke = 4;
    private static readonly byte[] s_wire = Encoding.ASCII.GetBytes(
        "250-mx.example.net Hello client.example\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250 CHUNKING\r\n" +
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");

    [Benchmark(Baseline = true, OperationsPerInvoke = RepliesPerInvoke)]
    public int StringLinesAndIntParse()
    {
        int lastCodes = 0;
        using var reader = new StringReader(Encoding.ASCII.GetString(s_wire));
        while (reader.ReadLine() is { } line)
        {
            int code = int.Parse(line.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture);
            if (line.Length == 3 || line[3] == ' ')
            {
                lastCodes += code;
            }
        }

        return lastCodes;
    }

    [Benchmark(OperationsPerInvoke = RepliesPerInvoke)]
    public int SmtpReplyParser()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(s_wire));
        var handler = new SummingHandler();
        while (FastSmtp.Protocol.SmtpReplyParser.TryParseReply(ref reader, ref handler))
        {
        }

        return handler.LastCodes;
    }

    private struct SummingHandler : ISmtpReplyHandler
    {
        public int LastCodes;

        public void OnReplyLine(int code, EnhancedStatusCode status, ReadOnlySpan<byte> text, bool last) => LastCodes += last ? code : 0;

        public void OnRejected(ReplyRejection rejection) => LastCodes = -1;
    }
}
