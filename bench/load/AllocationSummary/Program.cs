using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// GCAllocationTick fires about every 100 KB allocated, naming the type and carrying the stack:
// summed, the shares are those of the bytes allocated. Collect the trace with
//   dotnet-trace collect -p PID --providers Microsoft-Windows-DotNETRuntime:0x1:5 --duration 00:00:00:25 -o TRACE.nettrace
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: AllocationSummary TRACE.nettrace [STACKS]");
    return 2;
}

using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var byType = new Dictionary<string, long>();
var byStack = new Dictionary<string, long>();
var byLayer = new Dictionary<string, long>();
long total = 0;
foreach (Microsoft.Diagnostics.Tracing.TraceEvent traceEvent in log.Events)
{
    if (traceEvent is not GCAllocationTickTraceData tick)
    {
        continue;
    }

    long amount = tick.AllocationAmount64;
    total += amount;
    byType[tick.TypeName] = byType.GetValueOrDefault(tick.TypeName) + amount;
    TraceCallStack? stack = tick.CallStack();
    var frames = new List<string>();
    for (TraceCallStack? frame = stack; frame is not null && frames.Count < 6; frame = frame.Caller)
    {
        string method = frame.CodeAddress.FullMethodName;
        if (!string.IsNullOrEmpty(method) && !(frames.Count == 0 && method.StartsWith("System.Runtime.CompilerServices", StringComparison.Ordinal)))
        {
            frames.Add(method.Length > 110 ? method[..110] : method);
        }
    }

    string layer = LayerOf(stack);
    byLayer[layer] = byLayer.GetValueOrDefault(layer) + amount;
    string key = tick.TypeName + "\n      " + string.Join("\n      ", frames);
    byStack[key] = byStack.GetValueOrDefault(key) + amount;
}

Console.WriteLine($"sampled {total / 1024} KB");
foreach ((string layer, long amount) in byLayer.OrderByDescending(pair => pair.Value))
{
    Console.WriteLine($"{amount * 100.0 / total,5:F1}% {layer}");
}

Console.WriteLine();
foreach ((string type, long amount) in byType.OrderByDescending(pair => pair.Value).Take(40))
{
    Console.WriteLine($"{amount * 100.0 / total,5:F1}% {type}");
}

Console.WriteLine();
foreach ((string stack, long amount) in byStack.OrderByDescending(pair => pair.Value).Take(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40))
{
    Console.WriteLine($"{amount * 100.0 / total,5:F1}% {stack}");
}

return 0;

// Whose code asked for the bytes: the nearest frame, from the allocation outwards, of FastSmtp, of
// Kestrel's connection layer (dispatcher, connection, features) or of its socket transport (which
// makes the Socket, its pipes and their buffers). Bytes .NET allocates inside a call (a Socket
// made by an accept) count for the caller.
static string LayerOf(TraceCallStack? frame)
{
    for (; frame is not null; frame = frame.Caller)
    {
        string method = frame.CodeAddress.FullMethodName ?? "";
        if (method.StartsWith("FastSmtp.", StringComparison.Ordinal))
        {
            return "layer: FastSmtp";
        }

        if (method.StartsWith("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets", StringComparison.Ordinal))
        {
            return "layer: Kestrel's socket transport";
        }

        if (method.StartsWith("Microsoft.AspNetCore.Server.Kestrel.Core", StringComparison.Ordinal)
            || method.StartsWith("Microsoft.AspNetCore.Connections", StringComparison.Ordinal))
        {
            return "layer: Kestrel's connection layer";
        }
    }

    return "layer: other (no frame of FastSmtp or Kestrel)";
}
