using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using FastSmtp.Generators.Model;
using FastSmtp.Generators.Tables;
using FastSmtp.Policy.Tables;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Policy lookups on a 10,000-entry policy, per lookup, half hits and half misses. The tables
/// are laid out by the generator's own builders and probed by the server's own lookup code,
/// exactly as the emitted CompiledPolicy does; each is measured against the obvious
/// alternative in the same run.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PolicyLookupBenchmarks
{
    private const int Lookups = 256;
    private const int Size = 10_000;

    private byte[][] _senders = [];
    private string[] _senderStrings = [];
    private byte[][] _keys = [];
    private string[] _keyStrings = [];
    private byte[][] _clients = [];
    private IPAddress[] _clientAddresses = [];

    private SyntheticTables _tables = null!;

    private HashSet<string> _killExactSet = null!;
    private HashSet<string> _userSet = null!;
    private List<string> _killSuffixList = null!;
    private List<IPNetwork> _relayNetworks = null!;
    private Regex _userRegex = null!;

    [GlobalSetup]
    public void Setup()
    {
        var policy = new SyntheticPolicy(Size);
        var random = new Random(7);

        _tables = new SyntheticTables(policy);

        _killExactSet = new HashSet<string>(policy.KillExact, StringComparer.OrdinalIgnoreCase);
        _killSuffixList = policy.KillSuffixes;
        _userSet = new HashSet<string>(policy.Users, StringComparer.OrdinalIgnoreCase);
        _relayNetworks = policy.Relay.Select(r => new IPNetwork(Mask(r.Address, r.Prefix), r.Prefix)).ToList();
        _userRegex = new Regex("^(?:" + string.Join("|", policy.Users.Select(Regex.Escape)) + ")$", RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        // Half hits, half misses; senders hit the exact list or the suffix trie.
        _senderStrings = Enumerable.Range(0, Lookups).Select(i => (i % 4) switch
        {
            0 => policy.KillExact[random.Next(Size)].TrimStart('@') is var exact && exact.Contains('@') ? exact : "someone@" + exact,
            1 => "someone@news." + policy.KillSuffixes[random.Next(Size)],
            _ => $"user{i}@clean{i}.example",
        }).ToArray();
        _senders = _senderStrings.Select(Encoding.ASCII.GetBytes).ToArray();
        _keyStrings = Enumerable.Range(0, Lookups).Select(i => i % 2 == 0 ? policy.Users[random.Next(Size)].ToUpperInvariant() : $"nobody{i}@nowhere.example").ToArray();
        _keys = _keyStrings.Select(Encoding.ASCII.GetBytes).ToArray();
        _clientAddresses = Enumerable.Range(0, Lookups).Select(i => i % 2 == 0
            ? policy.Relay[random.Next(Size)].Address
            : new IPAddress([(byte)(200 + (i % 20)), (byte)i, 1, 1])).ToArray();
        _clients = _clientAddresses.Select(a => a.GetAddressBytes()).ToArray();
    }

    // kill.lst: exact user@host, @host, then @*suffix.
    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("kill")]
    public int KillList_HashSetAndEndsWithScan()
    {
        int killed = 0;
        foreach (string sender in _senderStrings)
        {
            string lower = sender.ToLowerInvariant();
            string domain = lower[(lower.LastIndexOf('@') + 1)..];
            if (_killExactSet.Contains(lower) || _killExactSet.Contains("@" + domain) || _killSuffixList.Exists(s => domain.EndsWith(s, StringComparison.Ordinal)))
            {
                killed++;
            }
        }

        return killed;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("kill")]
    public int KillList_CompiledTables()
    {
        int killed = 0;
        foreach (byte[] sender in _senders)
        {
            killed += _tables.IsKilled(sender) ? 1 : 0;
        }

        return killed;
    }

    // relay.txt: is the client in one of 10,000 subnets?
    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("relay")]
    public int Relay_LinearIPNetworkScan()
    {
        int found = 0;
        foreach (IPAddress client in _clientAddresses)
        {
            foreach (IPNetwork network in _relayNetworks)
            {
                if (network.Contains(client))
                {
                    found++;
                    break;
                }
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("relay")]
    public int Relay_CompiledRanges()
    {
        int found = 0;
        foreach (byte[] client in _clients)
        {
            if (_tables.InRelay(client))
            {
                found++;
            }
        }

        return found;
    }

    // users.txt / accept.txt / hosts.txt: one exact, case-insensitive lookup.
    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("user")]
    public int User_CompiledRegex()
    {
        int found = 0;
        foreach (string key in _keyStrings)
        {
            found += _userRegex.IsMatch(key) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("user")]
    public int User_HashSetOfStrings()
    {
        int found = 0;
        foreach (byte[] key in _keys)
        {
            // The obvious way from the wire: a string per lookup.
            found += _userSet.Contains(Encoding.ASCII.GetString(key)) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("user")]
    public int User_CompiledHashTable()
    {
        int found = 0;
        foreach (byte[] key in _keys)
        {
            found += _tables.IsUser(key) ? 1 : 0;
        }

        return found;
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int bit = prefix; bit < 32; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
