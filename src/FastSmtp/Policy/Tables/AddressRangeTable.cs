using System.Buffers.Binary;

namespace FastSmtp.Policy.Tables;

/// <summary>
/// Searches generated address ranges (see the generator's AddressRangeTableBuilder): sorted
/// starts, ends, and the running maximum of ends, so a range holding the address exists exactly
/// when the running maximum at the last start not above it reaches it.
/// </summary>
public static class AddressRangeTable
{
    /// <summary>The line of a range holding a 4-byte address, or 0.</summary>
    public static int FindV4(ReadOnlySpan<byte> address, ReadOnlySpan<ulong> firstOctets, ReadOnlySpan<uint> starts, ReadOnlySpan<uint> ends, ReadOnlySpan<uint> maxEnds, ReadOnlySpan<int> lines)
    {
        if (starts.IsEmpty || (firstOctets[address[0] >> 6] & (1UL << (address[0] & 63))) == 0)
        {
            return 0;
        }

        uint value = BinaryPrimitives.ReadUInt32BigEndian(address);
        int last = LastAtOrBelow(starts, value);
        if (last < 0 || maxEnds[last] < value)
        {
            return 0;
        }

        for (int i = last; i >= 0; i--)
        {
            if (ends[i] >= value)
            {
                return lines[i];
            }
        }

        return 0;
    }

    /// <summary>The line of a range holding a 16-byte address, or 0.</summary>
    public static int FindV6(ReadOnlySpan<byte> address, ReadOnlySpan<ulong> startHigh, ReadOnlySpan<ulong> startLow, ReadOnlySpan<ulong> endHigh, ReadOnlySpan<ulong> endLow, ReadOnlySpan<ulong> maxEndHigh, ReadOnlySpan<ulong> maxEndLow, ReadOnlySpan<int> lines)
    {
        if (startHigh.IsEmpty)
        {
            return 0;
        }

        var value = new UInt128(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]));
        int low = 0, high = startHigh.Length - 1, last = -1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (new UInt128(startHigh[middle], startLow[middle]) <= value)
            {
                last = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        if (last < 0 || new UInt128(maxEndHigh[last], maxEndLow[last]) < value)
        {
            return 0;
        }

        for (int i = last; i >= 0; i--)
        {
            if (new UInt128(endHigh[i], endLow[i]) >= value)
            {
                return lines[i];
            }
        }

        return 0;
    }

    private static int LastAtOrBelow(ReadOnlySpan<uint> starts, uint value)
    {
        int low = 0, high = starts.Length - 1, last = -1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (starts[middle] <= value)
            {
                last = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return last;
    }
}
