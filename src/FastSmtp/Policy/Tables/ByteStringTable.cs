using System.Text;

namespace FastSmtp.Policy.Tables;

/// <summary>Probes a generated open-addressing table (see the generator's StringTableBuilder).</summary>
public static class ByteStringTable
{
    /// <summary>The entry whose key equals <paramref name="key"/> ignoring ASCII case, or -1. Allocates nothing.</summary>
    public static int Find(ReadOnlySpan<byte> key, ReadOnlySpan<byte> keys, ReadOnlySpan<int> offsets, ReadOnlySpan<int> buckets)
    {
        if (buckets.IsEmpty)
        {
            return -1;
        }

        int mask = buckets.Length - 1;
        int slot = (int)(PolicyHash.Compute(key) & (uint)mask);
        while (true)
        {
            int entry = buckets[slot] - 1;
            if (entry < 0)
            {
                return -1;
            }

            if (Ascii.EqualsIgnoreCase(keys[offsets[entry]..offsets[entry + 1]], key))
            {
                return entry;
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>The value stored for an entry.</summary>
    public static ReadOnlySpan<byte> Value(int entry, ReadOnlySpan<byte> values, ReadOnlySpan<int> offsets) =>
        values[offsets[entry]..offsets[entry + 1]];
}
