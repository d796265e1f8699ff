using System.Collections.Generic;
using System.Linq;

namespace FastSmtp.Generators.Tables;

/// <summary>
/// A trie over reversed domain suffixes (kill.lst's @*suffix): matching a domain is one walk
/// from its last character towards its first, stopping at the first node that ends a suffix.
/// Nodes are numbered breadth-first and children sorted by byte, so the layout is deterministic.
/// </summary>
internal static class SuffixTrieBuilder
{
    public static (int[] ChildStart, byte[] EdgeBytes, int[] EdgeTargets, int[] Terminals) Build(IReadOnlyList<(string Suffix, int Line)> suffixes)
    {
        var children = new List<SortedDictionary<byte, int>> { new() };
        var terminal = new List<int> { 0 };
        foreach ((string suffix, int line) in suffixes)
        {
            int node = 0;
            for (int i = suffix.Length - 1; i >= 0; i--)
            {
                byte b = (byte)suffix[i];
                if (!children[node].TryGetValue(b, out int next))
                {
                    next = children.Count;
                    children.Add(new SortedDictionary<byte, int>());
                    terminal.Add(0);
                    children[node].Add(b, next);
                }

                node = next;
            }

            if (terminal[node] == 0)
            {
                terminal[node] = line;
            }
        }

        // Renumber breadth-first.
        var order = new List<int> { 0 };
        for (int i = 0; i < order.Count; i++)
        {
            order.AddRange(children[order[i]].Values);
        }

        var newIndex = new int[order.Count];
        for (int i = 0; i < order.Count; i++)
        {
            newIndex[order[i]] = i;
        }

        var childStart = new int[order.Count + 1];
        var edgeBytes = new List<byte>();
        var edgeTargets = new List<int>();
        for (int i = 0; i < order.Count; i++)
        {
            childStart[i] = edgeBytes.Count;
            foreach (KeyValuePair<byte, int> edge in children[order[i]])
            {
                edgeBytes.Add(edge.Key);
                edgeTargets.Add(newIndex[edge.Value]);
            }
        }

        childStart[order.Count] = edgeBytes.Count;
        return (childStart, edgeBytes.ToArray(), edgeTargets.ToArray(), order.Select(n => terminal[n]).ToArray());
    }
}
