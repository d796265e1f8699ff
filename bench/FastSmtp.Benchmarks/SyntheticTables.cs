using System.Buffers.Binary;
using System.Net;
using FastSmtp.Generators.Model;
using FastSmtp.Generators.Tables;
using FastSmtp.Policy.Tables;

namespace FastSmtp.Benchmarks;

/// <summary>
/// A SyntheticPolicy's tables laid out by the generator's own builders and probed by the
/// server's own lookup code, exactly as the emitted CompiledPolicy does.
/// </summary>
internal sealed class SyntheticTables
{
    private readonly (byte[] Blob, int[] Offsets, int[] Buckets) _killExact;
    private readonly (int[] ChildStart, byte[] EdgeBytes, int[] EdgeTargets, int[] Terminals) _killTrie;
    private readonly (byte[] Blob, int[] Offsets, int[] Buckets) _users;
    private readonly AddressRangeTableBuilder.Table _relay;
    private readonly uint[] _relayStarts, _relayEnds, _relayMaxEnds;
    private readonly AddressRangeTableBuilder.Table _deny;

    public SyntheticTables(SyntheticPolicy policy)
    {
        _killExact = StringTableBuilder.Build(policy.KillExact);
        _killTrie = SuffixTrieBuilder.Build(policy.KillSuffixes.Select((s, i) => (s, i + 1)).ToList());
        _users = StringTableBuilder.Build(policy.Users);
        _relay = AddressRangeTableBuilder.Build(policy.Relay.Select((r, i) => Range(r.Address, r.Prefix, i + 1)));
        _relayStarts = _relay.StartLow.Select(v => (uint)v).ToArray();
        _relayEnds = _relay.EndLow.Select(v => (uint)v).ToArray();
        _relayMaxEnds = _relay.MaxEndLow.Select(v => (uint)v).ToArray();
        _deny = AddressRangeTableBuilder.Build(policy.Deny.Select((r, i) => Range(r.Address, r.Prefix, i + 1)));
    }

    /// <summary>kill.lst: exact user@host, @host, then @*suffix.</summary>
    public bool IsKilled(ReadOnlySpan<byte> sender)
    {
        int at = sender.LastIndexOf((byte)'@');
        return ByteStringTable.Find(sender, _killExact.Blob, _killExact.Offsets, _killExact.Buckets) >= 0
            || ByteStringTable.Find(sender[at..], _killExact.Blob, _killExact.Offsets, _killExact.Buckets) >= 0
            || SuffixTrie.Match(sender[(at + 1)..], _killTrie.ChildStart, _killTrie.EdgeBytes, _killTrie.EdgeTargets, _killTrie.Terminals) != 0;
    }

    public bool IsUser(ReadOnlySpan<byte> key) => ByteStringTable.Find(key, _users.Blob, _users.Offsets, _users.Buckets) >= 0;

    public bool InRelay(ReadOnlySpan<byte> v4) => AddressRangeTable.FindV4(v4, _relay.FirstOctets, _relayStarts, _relayEnds, _relayMaxEnds, _relay.Lines) != 0;

    public bool InDeny(ReadOnlySpan<byte> v6) =>
        AddressRangeTable.FindV6(v6, _deny.StartHigh, _deny.StartLow, _deny.EndHigh, _deny.EndLow, _deny.MaxEndHigh, _deny.MaxEndLow, _deny.Lines) != 0;

    /// <summary>A network and prefix as the generator's range model.</summary>
    internal static AddressRange Range(IPAddress address, int prefix, int line)
    {
        byte[] bytes = address.GetAddressBytes();
        if (bytes.Length == 4)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
            return new AddressRange(false, 0, value & mask, 0, (value & mask) | ~mask, line);
        }

        ulong high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8));
        ulong lowMask = prefix <= 64 ? 0 : prefix == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefix);
        ulong highMask = prefix >= 64 ? ulong.MaxValue : prefix == 0 ? 0 : ulong.MaxValue << (64 - prefix);
        return new AddressRange(true, high & highMask, low & lowMask, high | ~highMask, low | ~lowMask, line);
    }
}
