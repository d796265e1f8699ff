using System.Globalization;
using System.Net;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Large, deterministic policies for the lookup benchmarks: N hosts, users, accept entries,
/// kill.lst entries (exact, @host and @*suffix), relay ranges (IPv4) and deny ranges (IPv6);
/// users carry hashes of the real format and length. `FastSmtp.Benchmarks
/// synthetic-policy DIR [N]` writes them as policy files, to build a server with.
/// </summary>
public sealed class SyntheticPolicy
{
    public SyntheticPolicy(int size, int seed = 20261128)
    {
        var random = new Random(seed);
        byte[] salt = new byte[16];
        byte[] key = new byte[32];
        for (int i = 0; i < size; i++)
        {
            string host = $"mx{i}.{Word(random)}{i % 97}.example";
            Hosts.Add(host);
            Users.Add($"{Word(random)}{i}@{host}");
            Accept.Add(i % 2 == 0 ? $"relay{i}.{Word(random)}.example" : $"{Word(random)}{i}@partner{i % 50}.example");
            KillExact.Add(i % 2 == 0 ? $"{Word(random)}{i}@spam{i}.example" : $"@bulk{i}.{Word(random)}.example");
            KillSuffixes.Add($"{Word(random)}{i}-mailer.example");
            // Distinct networks: 11.0.0.0 onwards, one /24 .. /32 in each /20.
            int prefix = 24 + random.Next(9);
            uint network = 0x0B000000u + ((uint)i << 12);
            var address = new IPAddress([(byte)(network >> 24), (byte)(network >> 16), (byte)(network >> 8), (byte)network]);
            Relay.Add((address, prefix));
            // Distinct /64s (or longer) under 2001:db8::/32.
            var deny = new byte[16];
            deny[0] = 0x20; deny[1] = 0x01; deny[2] = 0x0d; deny[3] = 0xb8;
            deny[4] = (byte)(i >> 24); deny[5] = (byte)(i >> 16); deny[6] = (byte)(i >> 8); deny[7] = (byte)i;
            Deny.Add((new IPAddress(deny), 64 + random.Next(65)));
            random.NextBytes(salt);
            random.NextBytes(key);
            Hashes.Add($"pbkdf2-sha256:600000:{Convert.ToBase64String(salt)}:{Convert.ToBase64String(key)}");
        }
    }

    public List<string> Hosts { get; } = [];

    public List<string> Users { get; } = [];

    public List<string> Accept { get; } = [];

    public List<string> KillExact { get; } = [];

    public List<string> KillSuffixes { get; } = [];

    public List<(IPAddress Address, int Prefix)> Relay { get; } = [];

    public List<(IPAddress Address, int Prefix)> Deny { get; } = [];

    /// <summary>A users.txt hash per user: the real format and length, random bytes (nobody authenticates).</summary>
    public List<string> Hashes { get; } = [];

    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, "hosts.txt"), ["localhost", .. Hosts]);
        File.WriteAllLines(Path.Combine(directory, "users.txt"), Users.Select((u, i) => u + " " + Hashes[i]));
        File.WriteAllLines(Path.Combine(directory, "accept.txt"), Accept);
        File.WriteAllLines(Path.Combine(directory, "kill.lst"), [.. KillExact, .. KillSuffixes.Select(s => "@*" + s)]);
        File.WriteAllLines(Path.Combine(directory, "relay.txt"), Relay.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Address}/{r.Prefix}")));
        File.WriteAllLines(Path.Combine(directory, "deny.txt"), Deny.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Address}/{r.Prefix}")));
    }

    private static string Word(Random random)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        return string.Create(3 + random.Next(6), random, static (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = letters[r.Next(letters.Length)];
            }
        });
    }
}
