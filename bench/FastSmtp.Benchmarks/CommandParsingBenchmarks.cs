using FastSmtp.Testing;
using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastSmtp.Protocol;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Parsing and dispatching MAIL, RCPT and DATA lines, arguments included, per command. The
/// baseline is the obvious way: a string per line, Split, ToUpperInvariant and a string switch.
/// </summary>
[MemoryDiagnoser]
public class CommandParsingBenchmarks
{
    private const int CommandsPerInvoke = 3;
    private static readonly byte[] s_lines = "MAIL FROM:<fred@widget.com> SIZE=2048 BODY=8BITMIME\r\nRCPT TO:<bob@mail5.foo.com> NOTIFY=FAILURE\r\nDATA\r\n"u8.ToArray();
    private ReadOnlySequence<byte> _input;

    [Params(false, true)]
    public bool MultiSegment { get; set; }

    [GlobalSetup]
    public void Setup() => _input = MultiSegment ? Segments.Split(s_lines, 7, 20, 33, 60, 70, 90) : new ReadOnlySequence<byte>(s_lines);

    [Benchmark(Baseline = true, OperationsPerInvoke = CommandsPerInvoke)]
    public int StringSplitAndSwitch()
    {
        int found = 0;
        string text = Encoding.ASCII.GetString(_input);
        foreach (string line in text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ', 2);
            switch (parts[0].ToUpperInvariant())
            {
                case "MAIL":
                    int open = parts[1].IndexOf('<');
                    found += parts[1].Substring(open + 1, parts[1].IndexOf('>') - open - 1).Length;
                    break;
                case "RCPT":
                    int start = parts[1].IndexOf('<');
                    found += parts[1].Substring(start + 1, parts[1].IndexOf('>') - start - 1).Length;
                    break;
                case "DATA":
                    found++;
                    break;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = CommandsPerInvoke)]
    public int SpanParserAndDispatch()
    {
        var reader = new SequenceReader<byte>(_input);
        var handler = new DispatchingHandler();
        while (SmtpCommandParser.TryParseCommand(ref reader, ref handler))
        {
        }

        return handler.Found;
    }

    /// <summary>What the session's handler does with each verb: the argument grammar included.</summary>
    private struct DispatchingHandler : ISmtpCommandHandler
    {
        public int Found;

        public void OnCommand(SmtpVerb verb, ReadOnlySpan<byte> arguments)
        {
            switch (verb)
            {
                case SmtpVerb.Mail:
                    if (SmtpPathParser.TryParseMailFrom(arguments, out ReadOnlySpan<byte> from, out ReadOnlySpan<byte> mailParameters) == PathError.None)
                    {
                        Found += from.Length;
                        foreach (SmtpParameter parameter in new SmtpParameterEnumerator(mailParameters))
                        {
                            Found += parameter.Value.Length;
                        }
                    }

                    break;
                case SmtpVerb.Rcpt:
                    if (SmtpPathParser.TryParseRcptTo(arguments, out ReadOnlySpan<byte> to, out _) == PathError.None)
                    {
                        Found += to.Length;
                    }

                    break;
                case SmtpVerb.Data:
                    Found++;
                    break;
            }
        }

        public void OnRejected(CommandRejection rejection) => Found--;
    }
}
