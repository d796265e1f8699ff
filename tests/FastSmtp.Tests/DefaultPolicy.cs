using FastSmtp.Policy;
using FastSmtp.Policy.Loading;

namespace FastSmtp.Tests;

/// <summary>The repository's policy/ as the server's build compiled it (FastSmtp.Policy.dll beside the tests), loaded as the server loads it.</summary>
internal static class DefaultPolicy
{
    public static SecurityPolicy Instance { get; } = PolicyAssemblyLoader.Load(PolicyAssemblyLoader.DefaultPath).Policy;
}
