using System.Reflection;
using System.Runtime.Loader;

namespace FastSmtp.Policy.Loading;

/// <summary>
/// A collectible context holding one policy assembly. Everything the policy references (the
/// server's own assembly, the framework) resolves to what the server already loaded, so the
/// policy's types implement the server's interfaces; the context is unloaded once no session
/// holds its policy any more.
/// </summary>
internal sealed class PolicyLoadContext(string name) : AssemblyLoadContext(name, isCollectible: true)
{
    protected override Assembly? Load(AssemblyName assemblyName) => null;
}
