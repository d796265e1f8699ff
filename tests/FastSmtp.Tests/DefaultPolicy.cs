using FastSmtp.Policy;
using FastSmtp.Policy.Loading;

namespace FastSmtp.Tests;

/// <summary>The repository's policy/ as the server's build compiled it (FastSmtp.Policy.dll beside the tests), loaded as the server loads it.</summary>
internal static class DefaultPolicy
{
    /// <summary>Loaded once for every test, as a server loads it once for every session.</summary>
    public static ActivePolicy Active { get; } = new(PolicyAssemblyLoader.Load(PolicyAssemblyLoader.DefaultPath));

    public static SecurityPolicy Instance => Active.Current;
}
