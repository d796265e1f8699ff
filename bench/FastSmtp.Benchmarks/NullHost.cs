using Microsoft.Extensions.Hosting;
using FastSmtp.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace FastSmtp.Benchmarks;

/// <summary>
/// FastSmtp's engine with a message store that keeps nothing: the real host, transport,
/// sessions, parser and policy, measured by bench/load/run.sh against smtp-sink and the
/// SmtpServer peer. Bench-only: the server has no such flag. It logs warnings only.
/// </summary>
internal static class NullHost
{
    public static async Task RunAsync(string[] args)
    {
        // The same buffered standard output the server's Main uses.
        using var output = new global::FastSmtp.Hosting.BufferedStandardOutput();
        var listeners = new List<ListenOptions>();
        var store = new NullMessageStore();
        // Warnings only: the engine is measured without its per-message log lines, as the
        // SmtpServer peer writes none (a later --Logging:LogLevel:Default=... still wins).
        WebApplication app = global::FastSmtp.Hosting.Program.Build(["--Logging:LogLevel:Default=Warning", .. args], listeners, services => services.AddSingleton<IMessageStore>(store));
        await app.StartAsync();
        foreach (ListenOptions listener in listeners)
        {
            Console.WriteLine($"FastSmtp null host listening on {listener.IPEndPoint}");
        }

        await app.WaitForShutdownAsync();
        Console.WriteLine($"FastSmtp null host stopped: {store.Messages} messages accepted");
        await app.DisposeAsync();
    }
}
