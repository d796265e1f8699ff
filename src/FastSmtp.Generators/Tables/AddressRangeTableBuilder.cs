using System;
using System.Collections.Generic;
using System.Linq;
using FastSmtp.Generators.Model;

namespace FastSmtp.Generators.Tables;

/// <summary>
/// relay.txt / deny.txt as sorted address ranges with a running maximum of their ends, so a
/// lookup is a binary search and one compare; IPv4 also gets a 256-bit mask of first octets
/// that turns most misses away before the search.
/// </summary>
internal static class AddressRangeTableBuilder
{
    public sealed class Table
    {
        public ulong[] StartHigh = [];
        public ulong[] StartLow = [];
        public ulong[] EndHigh = [];
        public ulong[] EndLow = [];
        public ulong[] MaxEndHigh = [];
        public ulong[] MaxEndLow = [];
        public int[] Lines = [];
        public ulong[] FirstOctets = new ulong[4];
    }

    public static Table Build(IEnumerable<AddressRange> ranges)
    {
        List<AddressRange> sorted = ranges.OrderBy(r => r.StartHigh).ThenBy(r => r.StartLow).ThenBy(r => r.Line).ToList();
        var table = new Table
        {
            StartHigh = sorted.Select(r => r.StartHigh).ToArray(),
            StartLow = sorted.Select(r => r.StartLow).ToArray(),
            EndHigh = sorted.Select(r => r.EndHigh).ToArray(),
            EndLow = sorted.Select(r => r.EndLow).ToArray(),
            Lines = sorted.Select(r => r.Line).ToArray(),
            MaxEndHigh = new ulong[sorted.Count],
            MaxEndLow = new ulong[sorted.Count],
        };
        ulong maxHigh = 0, maxLow = 0;
        for (int i = 0; i < sorted.Count; i++)
        {
            AddressRange r = sorted[i];
            if (r.EndHigh > maxHigh || (r.EndHigh == maxHigh && r.EndLow > maxLow))
            {
                maxHigh = r.EndHigh;
                maxLow = r.EndLow;
            }

            table.MaxEndHigh[i] = maxHigh;
            table.MaxEndLow[i] = maxLow;
            if (!r.IsIPv6)
            {
                for (ulong octet = r.StartLow >> 24; octet <= r.EndLow >> 24; octet++)
                {
                    table.FirstOctets[octet >> 6] |= 1UL << (int)(octet & 63);
                }
            }
        }

        return table;
    }
}
