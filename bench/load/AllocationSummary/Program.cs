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
    var frames = new List<string>();
    for (TraceCallStack? frame = tick.CallStack(); frame is not null && frames.Count < 6; frame = frame.Caller)
    {
        string method = frame.CodeAddress.FullMethodName;
        if (!string.IsNullOrEmpty(method) && !(frames.Count == 0 && method.StartsWith("System.Runtime.CompilerServices", StringComparison.Ordinal)))
        {
            frames.Add(method.Length > 110 ? method[..110] : method);
        }
    }

    string key = tick.TypeName + "\n      " + string.Join("\n      ", frames);
    byStack[key] = byStack.GetValueOrDefault(key) + amount;
}

Console.WriteLine($"sampled {total / 1024} KB");
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
