using BenchmarkDotNet.Running;
using FastSmtp.Benchmarks;

// dotnet run -c Release --project bench/FastSmtp.Benchmarks -- --filter '*' [--job short]
// dotnet run -c Release --project bench/FastSmtp.Benchmarks -- synthetic-policy DIR [SIZE]
// dotnet run -c Release --project bench/FastSmtp.Benchmarks -- null-host --listen ADDR:PORT [server options]
// dotnet run -c Release --project bench/FastSmtp.Benchmarks -- bare-kestrel --listen ADDR:PORT
if (args is ["null-host", .. var hostArguments])
{
    await NullHost.RunAsync(hostArguments);
    return;
}

if (args is ["bare-kestrel", .. var bareArguments])
{
    await BareKestrelHost.RunAsync(bareArguments);
    return;
}

if (args is ["synthetic-policy", var directory, ..])
{
    int size = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
    new SyntheticPolicy(size).WriteTo(directory);
    Console.WriteLine($"wrote a {size}-entry policy to {directory}");
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(CommandParsingBenchmarks).Assembly).Run(args);
