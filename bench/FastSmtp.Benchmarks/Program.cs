using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/FastSmtp.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(FastSmtp.Benchmarks.CommandParsingBenchmarks).Assembly).Run(args);
