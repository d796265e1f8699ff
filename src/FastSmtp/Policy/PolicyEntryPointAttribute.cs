using System.Diagnostics.CodeAnalysis;

namespace FastSmtp.Policy;

/// <summary>
/// Emitted into every policy assembly: the <see cref="SecurityPolicy"/> type the server
/// instantiates, and the <see cref="PolicyContract.Version"/> it was compiled against.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class PolicyEntryPointAttribute(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type policyType,
    int contractVersion) : Attribute
{
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type PolicyType { get; } = policyType;

    public int ContractVersion { get; } = contractVersion;
}
