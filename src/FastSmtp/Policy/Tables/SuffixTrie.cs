namespace FastSmtp.Policy.Tables;

/// <summary>Walks a generated trie of reversed suffixes (see the generator's SuffixTrieBuilder).</summary>
public static class SuffixTrie
{
    /// <summary>The line of the first suffix <paramref name="text"/> ends with (ASCII case ignored), or 0.</summary>
    public static int Match(ReadOnlySpan<byte> text, ReadOnlySpan<int> childStart, ReadOnlySpan<byte> edgeBytes, ReadOnlySpan<int> edgeTargets, ReadOnlySpan<int> terminals)
    {
        if (edgeBytes.IsEmpty)
        {
            return 0;
        }

        int node = 0;
        for (int i = text.Length - 1; i >= 0; i--)
        {
            byte c = text[i];
            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                c |= 0x20;
            }

            int next = -1;
            for (int edge = childStart[node]; edge < childStart[node + 1]; edge++)
            {
                if (edgeBytes[edge] == c)
                {
                    next = edgeTargets[edge];
                    break;
                }
            }

            if (next < 0)
            {
                return 0;
            }

            node = next;
            if (terminals[node] != 0)
            {
                return terminals[node];
            }
        }

        return 0;
    }
}
