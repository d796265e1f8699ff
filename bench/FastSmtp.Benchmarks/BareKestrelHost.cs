using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Kestrel's socket transport with the least an SMTP client needs: a greeting, "250" to every
/// line, "354" to DATA, "250" after the final dot, "221" to QUIT. No parser, policy, session or
/// log. Bench-only: it is the floor for what a connection costs on Kestrel, against which the
/// engine's own cost per connection is read (bench/load/connection-floor.sh). The line "STAT"
/// answers "250 allocated=BYTES" (the whole process so far).
/// </summary>
internal static class BareKestrelHost
{
    public static async Task RunAsync(string[] args)
    {
        IPEndPoint endpoint = IPEndPoint.Parse(args is ["--listen", var listen, ..] ? listen : "127.0.0.1:2526");
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Listen(endpoint, listener => listener.UseConnectionHandler<BareSmtpHandler>());
        });
        WebApplication app = builder.Build();
        await app.StartAsync();
        Console.WriteLine($"bare Kestrel host listening on {endpoint}");
        await app.WaitForShutdownAsync();
        Console.WriteLine($"bare Kestrel host stopped: {BareSmtpHandler.Messages} messages accepted");
    }

    private sealed class BareSmtpHandler : ConnectionHandler
    {
        public static long Messages;

        private static readonly int Data = BinaryPrimitives.ReadInt32LittleEndian("DATA"u8);
        private static readonly int Quit = BinaryPrimitives.ReadInt32LittleEndian("QUIT"u8);
        private static readonly int Stat = BinaryPrimitives.ReadInt32LittleEndian("STAT"u8);

        public override async Task OnConnectedAsync(ConnectionContext connection)
        {
            PipeReader input = connection.Transport.Input;
            PipeWriter output = connection.Transport.Output;
            Write(output, "220 bare ESMTP\r\n"u8);
            await output.FlushAsync();
            bool data = false;
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool quit = false;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    ReadOnlySequence<byte> line = buffer.Slice(0, end);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    if (data)
                    {
                        if (line.Length <= 2 && line.FirstSpan is [(byte)'.', ..])
                        {
                            data = false;
                            Interlocked.Increment(ref Messages);
                            Write(output, "250 ok\r\n"u8);
                        }

                        continue;
                    }

                    // The verb's four bytes as one integer (0 for a shorter line), as the engine does.
                    var reader = new SequenceReader<byte>(line);
                    reader.TryReadLittleEndian(out int verb);
                    if (verb == Data)
                    {
                        data = true;
                        Write(output, "354 go\r\n"u8);
                    }
                    else if (verb == Quit)
                    {
                        Write(output, "221 bye\r\n"u8);
                        quit = true;
                        break;
                    }
                    else if (verb == Stat)
                    {
                        Write(output, System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"250 allocated={GC.GetTotalAllocatedBytes(precise: true)}\r\n")));
                    }
                    else
                    {
                        Write(output, "250 ok\r\n"u8);
                    }
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                await output.FlushAsync();
                if (quit || result.IsCompleted)
                {
                    return;
                }
            }
        }

        private static void Write(PipeWriter output, ReadOnlySpan<byte> reply)
        {
            reply.CopyTo(output.GetSpan(reply.Length));
            output.Advance(reply.Length);
        }
    }
}
