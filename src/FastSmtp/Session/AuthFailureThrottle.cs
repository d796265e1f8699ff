using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;

namespace FastSmtp.Session;

/// <summary>
/// Failed AUTH attempts, counted per client address and per network (/24 for IPv4, /64 for
/// IPv6: one IPv6 client owns 2^64 addresses, so counting addresses alone stops nobody). The
/// next attempt waits before any verification work is done: 0.5 s per failure of its address,
/// or per <see cref="FailuresPerNetworkStep"/> failures of its network, whichever is longer, at
/// most 10 s. A count is forgotten <see cref="Memory"/> after its last failure.
/// </summary>
public sealed class AuthFailureThrottle(TimeProvider? time = null)
{
    private static readonly TimeSpan s_step = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_maximum = TimeSpan.FromSeconds(10);

    /// <summary>A network's failures count a quarter as much as an address's: several honest users may share it.</summary>
    public const int FailuresPerNetworkStep = 4;

    /// <summary>How long a count lasts after its last failure.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromMinutes(15);

    /// <summary>Addresses (and networks) remembered at most: past this the counts start again, so a client rotating addresses cannot grow memory.</summary>
    public const int MaxTrackedAddresses = 100_000;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<UInt128, Count> _addresses = new();
    private readonly ConcurrentDictionary<UInt128, Count> _networks = new();

    /// <summary>Failures counted for <paramref name="client"/>'s own address.</summary>
    public int Failures(IPAddress client) => Current(_addresses, Address(client));

    /// <summary>Failures counted for <paramref name="client"/>'s network.</summary>
    public int NetworkFailures(IPAddress client) => Current(_networks, Network(client));

    /// <summary>How long an AUTH attempt from <paramref name="client"/> waits before it is verified.</summary>
    public TimeSpan DelayBefore(IPAddress client)
    {
        int steps = Math.Max(Failures(client), NetworkFailures(client) / FailuresPerNetworkStep);
        TimeSpan delay = s_step * steps;
        return delay < s_maximum ? delay : s_maximum;
    }

    /// <summary>Counts a failed verification for the address and its network.</summary>
    public void Fail(IPAddress client)
    {
        Add(_addresses, Address(client));
        Add(_networks, Network(client));
    }

    private int Current(ConcurrentDictionary<UInt128, Count> counts, UInt128 key) =>
        counts.TryGetValue(key, out Count count) && !Expired(count) ? count.Failures : 0;

    private void Add(ConcurrentDictionary<UInt128, Count> counts, UInt128 key)
    {
        if (counts.Count >= MaxTrackedAddresses)
        {
            counts.Clear();
        }

        long now = _time.GetTimestamp();
        counts.AddOrUpdate(
            key,
            static (_, now) => new Count(1, now),
            (_, count, now) => new Count(Expired(count) ? 1 : count.Failures + 1, now),
            now);
    }

    private bool Expired(Count count) => _time.GetElapsedTime(count.LastFailure) > Memory;

    /// <summary>The address as 128 bits, IPv4 (and IPv4-mapped IPv6) as ::ffff:a.b.c.d.</summary>
    private static UInt128 Address(IPAddress client)
    {
        Span<byte> bytes = stackalloc byte[16];
        IPAddress v6 = client.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? client.MapToIPv6() : client;
        v6.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static UInt128 Network(IPAddress client)
    {
        UInt128 address = Address(client);
        bool v4 = address >> 32 == 0xffff;
        // /24 of an IPv4 address keeps 96 + 24 bits; /64 of IPv6 keeps 64.
        return v4 ? address & ~(UInt128)0xff : address & ~(UInt128)ulong.MaxValue;
    }

    private readonly record struct Count(int Failures, long LastFailure);
}
