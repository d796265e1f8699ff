using System.Reflection;
using System.Runtime.CompilerServices;

namespace FastSmtp.Policy.Tables;

/// <summary>
/// One table of the compiled policy, as base64 text in an attribute of its struct: attribute
/// arguments live in the assembly's blob heap, which holds any size (string literals are capped
/// at 16 MB in all), and a plain string costs the compiler next to nothing however long it is.
/// Each table is decoded once, when the policy is first used, into an array on the pinned heap:
/// lookups then read plain memory and allocate nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, AllowMultiple = true, Inherited = false)]
public sealed class PolicyDataAttribute(string name, string base64) : Attribute
{
    private static readonly ConditionalWeakTable<Type, Dictionary<string, string>> s_tables = new();

    public string Name { get; } = name;

    public string Base64 { get; } = base64;

    /// <summary>
    /// The table <paramref name="name"/> of the policy type <paramref name="policy"/>. Called from
    /// the policy's static initialiser, once per table: its text is dropped once decoded.
    /// </summary>
    public static byte[] Load(Type policy, string name)
    {
        Dictionary<string, string> tables = s_tables.GetValue(policy, static type =>
            type.GetCustomAttributes<PolicyDataAttribute>(inherit: false).ToDictionary(t => t.Name, t => t.Base64, StringComparer.Ordinal));
        if (!tables.Remove(name, out string? base64))
        {
            throw new InvalidDataException($"The compiled policy has no table {name}: the policy assembly is damaged.");
        }

        if (base64.Length == 0)
        {
            return [];
        }

        int padding = base64[^1] != '=' ? 0 : base64[^2] == '=' ? 2 : 1;
        byte[] data = GC.AllocateUninitializedArray<byte>((base64.Length / 4 * 3) - padding, pinned: true);
        if (!Convert.TryFromBase64String(base64, data, out int written) || written != data.Length)
        {
            throw new InvalidDataException($"The compiled policy's table {name} is not valid base64: the policy assembly is damaged.");
        }

        return data;
    }
}
