using System;

namespace FastSmtp.Policy.Tables;

/// <summary>
/// The hash of the compiled lookup tables: FNV-1a over ASCII-lowercased bytes. This one source
/// file is compiled into both the generator (which lays the tables out) and the server (which
/// probes them), so the two can never disagree.
/// </summary>
internal static class PolicyHash
{
    public static uint Compute(ReadOnlySpan<byte> key)
    {
        uint hash = 2166136261;
        foreach (byte b in key)
        {
            uint c = (uint)(b - 'A') <= 'Z' - 'A' ? (uint)(b | 0x20) : b;
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}
