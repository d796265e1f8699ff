using System.Reflection;
using System.Runtime.CompilerServices;

namespace FastSmtp.Policy.Tables;

/// <summary>
/// One table of the compiled policy, as text in an attribute of its struct: attribute arguments
/// live in the assembly's blob heap, which holds any size (string literals are capped at 16 MB
/// in all), and a plain string costs the compiler next to nothing however long it is. The
/// bytes are packed 15 bits to a character, U+4000 standing for 15 zero bits, low bits first:
/// a third of the characters base64 would take, which is what the compiler holds in memory.
/// Each table is decoded once, when the policy is loaded, into an array on the pinned heap:
/// lookups then read plain memory and allocate nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
public sealed class PolicyDataAttribute(string name, int length, string packed) : Attribute
{
    private const int PackedFirst = 0x4000;
    private const int PackedLast = PackedFirst + 0x7FFF;

    private static readonly ConditionalWeakTable<Type, Dictionary<string, PolicyDataAttribute>> s_tables = new();

    public string Name { get; } = name;

    /// <summary>The table's size in bytes.</summary>
    public int Length { get; } = length;

    public string Packed { get; } = packed;

    /// <summary>
    /// The table <paramref name="name"/> of the policy type <paramref name="policy"/>. Called from
    /// the policy's static initialiser, once per table: its text is dropped once decoded.
    /// </summary>
    public static byte[] Load(Type policy, string name)
    {
        Dictionary<string, PolicyDataAttribute> tables = s_tables.GetValue(policy, static type =>
            type.GetCustomAttributes<PolicyDataAttribute>(inherit: false).ToDictionary(t => t.Name, StringComparer.Ordinal));
        if (!tables.Remove(name, out PolicyDataAttribute? table))
        {
            throw new InvalidDataException($"The compiled policy has no table {name}: the policy assembly is damaged.");
        }

        byte[] data = GC.AllocateUninitializedArray<byte>(table.Length, pinned: true);
        if (!TryUnpack(table.Packed, data))
        {
            throw new InvalidDataException($"The compiled policy's table {name} does not decode to its {table.Length} bytes: the policy assembly is damaged.");
        }

        return data;
    }

    private static bool TryUnpack(string packed, Span<byte> data)
    {
        // 15 bits per character, low bits first; the last character carries what is left.
        if (packed.Length != ((data.Length * 8) + 14) / 15)
        {
            return false;
        }

        ulong bits = 0;
        int count = 0;
        int written = 0;
        foreach (char c in packed)
        {
            if (c is < (char)PackedFirst or > (char)PackedLast)
            {
                return false;
            }

            bits |= (ulong)(c - PackedFirst) << count;
            count += 15;
            while (count >= 8 && written < data.Length)
            {
                data[written++] = (byte)bits;
                bits >>= 8;
                count -= 8;
            }
        }

        return written == data.Length;
    }
}
