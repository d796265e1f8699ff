using System.Net;
using BenchmarkDotNet.Attributes;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Per-lookup cost of the compiled tables as the policy grows: 10,000, 100,000 and 200,000
/// entries per table (SyntheticPolicy), half hits and half misses, laid out by the generator's
/// builders and probed by the server's lookup code as CompiledPolicy does. Build time and memory
/// at the same sizes: bench/policy-scale.sh.
/// </summary>
[MemoryDiagnoser]
public class PolicyScaleBenchmarks
{
    private const int Lookups = 256;

    [Params(10_000, 100_000, 200_000)]
    public int Size { get; set; }

    private byte[][] _senders = [];
    private byte[][] _users = [];
    private byte[][] _v4Clients = [];
    private byte[][] _v6Clients = [];
    private SyntheticTables _tables = null!;

    [GlobalSetup]
    public void Setup()
    {
        var policy = new SyntheticPolicy(Size);
        var random = new Random(7);
        _tables = new SyntheticTables(policy);

        _senders = Enumerable.Range(0, Lookups).Select(i => System.Text.Encoding.ASCII.GetBytes((i % 4) switch
        {
            0 => policy.KillExact[random.Next(Size)] is var exact && exact.StartsWith('@') ? "someone" + exact : exact,
            1 => "someone@news." + policy.KillSuffixes[random.Next(Size)],
            _ => $"user{i}@clean{i}.example",
        })).ToArray();
        _users = Enumerable.Range(0, Lookups).Select(i => System.Text.Encoding.ASCII.GetBytes(i % 2 == 0 ? policy.Users[random.Next(Size)] : $"nobody{i}@nowhere.example")).ToArray();
        _v4Clients = Enumerable.Range(0, Lookups).Select(i => i % 2 == 0 ? policy.Relay[random.Next(Size)].Address.GetAddressBytes() : [(byte)(200 + (i % 20)), (byte)i, 1, 1]).ToArray();
        _v6Clients = Enumerable.Range(0, Lookups).Select(i => i % 2 == 0 ? policy.Deny[random.Next(Size)].Address.GetAddressBytes() : IPAddress.Parse($"2001:db9::{i:x}").GetAddressBytes()).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int KillList() => Count(_senders, static (tables, key) => tables.IsKilled(key));

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int User() => Count(_users, static (tables, key) => tables.IsUser(key));

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int RelayV4() => Count(_v4Clients, static (tables, key) => tables.InRelay(key));

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int DenyV6() => Count(_v6Clients, static (tables, key) => tables.InDeny(key));

    private int Count(byte[][] keys, Func<SyntheticTables, byte[], bool> lookup)
    {
        int found = 0;
        foreach (byte[] key in keys)
        {
            found += lookup(_tables, key) ? 1 : 0;
        }

        return found;
    }
}
