using System.Collections.Generic;
using System.Text;
using FastSmtp.Policy.Tables;

namespace FastSmtp.Generators.Tables;

/// <summary>
/// Lays out an open-addressing hash table over ASCII-lowercased keys: the keys in one byte blob
/// with offsets, and a power-of-two bucket array (load at most one half) holding entry+1.
/// </summary>
internal static class StringTableBuilder
{
    public static (byte[] Blob, int[] Offsets, int[] Buckets) Build(IReadOnlyList<string> keys)
    {
        (byte[] blob, int[] offsets) = Values(keys);
        int size = 1;
        while (size < keys.Count * 2)
        {
            size <<= 1;
        }

        int[] buckets = new int[keys.Count == 0 ? 0 : size];
        for (int i = 0; i < keys.Count; i++)
        {
            int slot = (int)(PolicyHash.Compute(Encoding.UTF8.GetBytes(keys[i])) & (uint)(size - 1));
            while (buckets[slot] != 0)
            {
                slot = (slot + 1) & (size - 1);
            }

            buckets[slot] = i + 1;
        }

        return (blob, offsets, buckets);
    }

    /// <summary>Values stored beside the keys: one blob with offsets.</summary>
    public static (byte[] Blob, int[] Offsets) Values(IReadOnlyList<string> values)
    {
        var blob = new List<byte>();
        int[] offsets = new int[values.Count + 1];
        for (int i = 0; i < values.Count; i++)
        {
            offsets[i] = blob.Count;
            blob.AddRange(Encoding.UTF8.GetBytes(values[i]));
        }

        offsets[values.Count] = blob.Count;
        return (blob.ToArray(), offsets);
    }
}
