using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// users.txt hashes: pbkdf2-sha256:ITERATIONS:SALT_B64:HASH_B64. Verification derives the key
/// into a stack buffer and compares in constant time; an unknown user costs the same work.
/// </summary>
public static class PasswordHash
{
    /// <summary>OWASP's current figure for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    private const int SaltLength = 16;
    private const int KeyLength = 32;

    public static string Create(ReadOnlySpan<byte> password, int iterations = DefaultIterations)
    {
        Span<byte> salt = stackalloc byte[SaltLength];
        RandomNumberGenerator.Fill(salt);
        Span<byte> key = stackalloc byte[KeyLength];
        Rfc2898DeriveBytes.Pbkdf2(password, salt, key, iterations, HashAlgorithmName.SHA256);
        return string.Create(CultureInfo.InvariantCulture, $"pbkdf2-sha256:{iterations}:{Convert.ToBase64String(salt)}:{Convert.ToBase64String(key)}");
    }

    /// <summary>
    /// True when <paramref name="password"/> matches; false for a malformed or empty hash (a
    /// missing account, or one that cannot AUTH), which costs a derivation of
    /// <paramref name="missingIterations"/> rounds: the count real hashes carry
    /// (<see cref="TypicalIterations{TPolicy}"/>), so a missing account answers neither faster nor slower.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> password, int missingIterations = DefaultIterations)
    {
        Span<byte> salt = stackalloc byte[64];
        Span<byte> expected = stackalloc byte[64];
        if (!TryParse(hash, out int iterations, salt, out int saltLength, expected, out int keyLength))
        {
            Span<byte> ignored = stackalloc byte[KeyLength];
            Rfc2898DeriveBytes.Pbkdf2(password, "fastsmtp-no-such-user-salt"u8, ignored, missingIterations, HashAlgorithmName.SHA256);
            return false;
        }

        Span<byte> actual = stackalloc byte[64];
        Rfc2898DeriveBytes.Pbkdf2(password, salt[..saltLength], actual[..keyLength], iterations, HashAlgorithmName.SHA256);
        bool equal = CryptographicOperations.FixedTimeEquals(actual[..keyLength], expected[..keyLength]);
        CryptographicOperations.ZeroMemory(actual);
        return equal;
    }

    /// <summary>The rounds a verification against <paramref name="hash"/> derives: its own count, or <paramref name="missingIterations"/>.</summary>
    public static int IterationsFor(ReadOnlySpan<byte> hash, int missingIterations)
    {
        Span<byte> salt = stackalloc byte[64];
        Span<byte> key = stackalloc byte[64];
        return TryParse(hash, out int iterations, salt, out _, key, out _) ? iterations : missingIterations;
    }

    /// <summary>The iteration count most of the policy's users.txt hashes carry; <see cref="DefaultIterations"/> when none has one.</summary>
    public static int TypicalIterations<TPolicy>()
        where TPolicy : IPolicy => TypicalIterations(TPolicy.UserCount, TPolicy.UserHash);

    /// <summary>A user's hash by entry number.</summary>
    public delegate ReadOnlySpan<byte> HashOf(int entry);

    /// <summary>The iteration count most of <paramref name="users"/> hashes carry (the higher on a tie); <see cref="DefaultIterations"/> when none has one.</summary>
    public static int TypicalIterations(int users, HashOf hashOf)
    {
        var counts = new Dictionary<int, int>();
        for (int entry = 0; entry < users; entry++)
        {
            int iterations = IterationsFor(hashOf(entry), 0);
            if (iterations > 0)
            {
                counts[iterations] = counts.GetValueOrDefault(iterations) + 1;
            }
        }

        int typical = DefaultIterations;
        int most = 0;
        foreach ((int iterations, int holders) in counts)
        {
            if (holders > most || (holders == most && iterations > typical))
            {
                (typical, most) = (iterations, holders);
            }
        }

        return typical;
    }

    private static bool TryParse(ReadOnlySpan<byte> hash, out int iterations, Span<byte> salt, out int saltLength, Span<byte> key, out int keyLength)
    {
        iterations = saltLength = keyLength = 0;
        Span<Range> parts = stackalloc Range[4];
        int count = 0;
        foreach (Range part in hash.Split((byte)':'))
        {
            if (count == parts.Length)
            {
                return false;
            }

            parts[count++] = part;
        }

        if (count != 4 || !hash[parts[0]].SequenceEqual("pbkdf2-sha256"u8)
            || !Utf8Parser.TryParse(hash[parts[1]], out iterations, out int used) || used != hash[parts[1]].Length || iterations < 1)
        {
            return false;
        }

        return Base64.DecodeFromUtf8(hash[parts[2]], salt, out _, out saltLength) == System.Buffers.OperationStatus.Done
            && Base64.DecodeFromUtf8(hash[parts[3]], key, out _, out keyLength) == System.Buffers.OperationStatus.Done
            && keyLength > 0;
    }

    /// <summary>For `hash-password`: the password as UTF-8 bytes.</summary>
    public static string Create(string password, int iterations = DefaultIterations) => Create(Encoding.UTF8.GetBytes(password), iterations);
}
