using System.Buffers;
using FastSmtp.Protocol;
using FastSmtp.Testing;
using SharpFuzz;

namespace FastSmtp.Fuzz;

/// <summary>
/// One AFL++ input: the bytes a client sends, given to the command parser (as the session reads
/// them: parse, keep the rest, read again), the PROXY header parser and the DATA decoder, whole
/// and split in two at a point the input chooses. Any exception is a crash AFL++ keeps; so is a
/// split that changes what a parser reports.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0)
        {
            // Replay files (a crash AFL++ found, or the seed corpus) without AFL++.
            foreach (string file in args)
            {
                Run(File.ReadAllBytes(file));
            }

            return;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Run(copy.ToArray());
        });
    }

    public static void Run(byte[] input)
    {
        int cut = input.Length == 0 ? 0 : input[0] % (input.Length + 1);
        Same(Commands(new ReadOnlySequence<byte>(input)), Commands(Split(input, cut)));
        Same(ProxyHeader(new ReadOnlySequence<byte>(input)), ProxyHeader(Split(input, cut)));
        Same(Data(new ReadOnlySequence<byte>(input)), Data(Split(input, cut)));
    }

    private static string Commands(ReadOnlySequence<byte> buffer)
    {
        var recorder = new Recorder(new System.Text.StringBuilder());
        var reader = new SequenceReader<byte>(buffer);
        while (!reader.End && SmtpCommandParser.TryParseCommand(ref reader, ref recorder))
        {
        }

        return recorder.Calls.Append('|').Append(reader.Consumed).ToString();
    }

    private static string ProxyHeader(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        ProxyHeaderStatus status = ProxyHeaderParser.TryParse(ref reader, out ProxyHeader header, out ProxyHeaderRejection rejection);
        return $"{status} {header} {rejection} {reader.Consumed}";
    }

    private static string Data(ReadOnlySequence<byte> buffer)
    {
        var decoder = new DataDecoder();
        decoder.Reset();
        var sink = new CountingSink();
        bool ended = decoder.Decode(buffer, ref sink, out SequencePosition consumed);
        return $"{ended} {buffer.Slice(0, consumed).Length} {decoder.SawBareLineEnding}";
    }

    private static void Same(string whole, string split)
    {
        if (whole != split)
        {
            throw new InvalidOperationException($"split input parsed differently:\n{whole}\n{split}");
        }
    }

    private static ReadOnlySequence<byte> Split(byte[] input, int cut) => Segments.Split(input, cut);

    private readonly struct Recorder(System.Text.StringBuilder calls) : ISmtpCommandHandler
    {
        public System.Text.StringBuilder Calls => calls;

        public void OnCommand(SmtpVerb verb, ReadOnlySpan<byte> arguments) => calls.Append(verb).Append(':').Append(Convert.ToHexString(arguments)).Append(';');

        public void OnRejected(CommandRejection rejection) => calls.Append(rejection).Append(';');
    }

    private struct CountingSink : IContentSink
    {
        public long Octets;

        public void Append(ReadOnlySpan<byte> content) => Octets += content.Length;
    }
}
