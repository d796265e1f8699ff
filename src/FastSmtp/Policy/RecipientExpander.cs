using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// Turns an accepted recipient into the final addresses its message goes to, each delivered once:
/// a local user becomes <c>user@canonical-host</c> whichever host alias named it, an alias its
/// target, a group its members, each expanded again; a remote address stays as written. Done when
/// the recipient is accepted, as Postfix's virtual alias expansion is, so each final address has
/// its own delivery state and a group member that fails is retried alone.
/// </summary>
public static class RecipientExpander<TPolicy>
    where TPolicy : struct, IPolicy
{
    /// <summary>Alias and group cycles are build errors; this only bounds very deep chains.</summary>
    public const int MaxDepth = 16;

    /// <summary>Adds the final addresses of <paramref name="address"/> to <paramref name="finals"/>, each once.</summary>
    public static void Expand(ReadOnlySpan<byte> address, List<string> finals) => Expand(address, finals, 0);

    /// <summary>The address of a local mailbox as the queue keeps it, or null when the address is not local.</summary>
    public static string? LocalMailbox(ReadOnlySpan<byte> address, out ReadOnlySpan<byte> canonicalHost, out string user)
    {
        canonicalHost = default;
        user = string.Empty;
        Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
        int length = AddressNormalizer.Normalize(address, buffer);
        if (length < 0)
        {
            return null;
        }

        ReadOnlySpan<byte> normalized = buffer[..length];
        int at = normalized.LastIndexOf((byte)'@');
        int host = at < 0 ? PrimaryHostEntry() : TPolicy.FindHost(normalized[(at + 1)..]);
        if (host < 0)
        {
            return null;
        }

        canonicalHost = TPolicy.CanonicalHost(host);
        user = Encoding.UTF8.GetString(at < 0 ? normalized : normalized[..at]).ToLowerInvariant();
        return user + "@" + Encoding.ASCII.GetString(canonicalHost);
    }

    private static void Expand(ReadOnlySpan<byte> address, List<string> finals, int depth)
    {
        address = address.Trim((byte)' ');
        if (address.IsEmpty)
        {
            return;
        }

        string? local = LocalMailbox(address, out _, out _);
        if (local is null)
        {
            AddOnce(finals, Encoding.UTF8.GetString(address));
            return;
        }

        byte[] key = Encoding.UTF8.GetBytes(local);
        int entry;
        if (depth < MaxDepth && (entry = TPolicy.FindAlias(key)) >= 0)
        {
            Expand(TPolicy.AliasTarget(entry), finals, depth + 1);
        }
        else if (depth < MaxDepth && (entry = TPolicy.FindGroup(key)) >= 0)
        {
            ReadOnlySpan<byte> members = TPolicy.GroupMembers(entry);
            foreach (Range member in members.Split((byte)','))
            {
                Expand(members[member], finals, depth + 1);
            }
        }
        else
        {
            // A user, the postmaster, or a name that no longer exists (the delivery side refuses it).
            AddOnce(finals, local);
        }
    }

    private static int PrimaryHostEntry()
    {
        Span<byte> primary = stackalloc byte[256];
        return TPolicy.FindHost(primary[..Encoding.ASCII.GetBytes(TPolicy.PrimaryHost, primary)]);
    }

    private static void AddOnce(List<string> finals, string address)
    {
        foreach (string final in finals)
        {
            if (string.Equals(final, address, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        finals.Add(address);
    }
}
