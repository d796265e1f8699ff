using System.Runtime.Loader;

namespace FastSmtp.Policy.Loading;

/// <summary>
/// The policy new sessions start with. A reload loads the new one completely (tables decoded,
/// tests.txt passed) before it replaces the old, so no session ever waits for it; sessions
/// already running keep the policy they started with, and the old assembly is unloaded once the
/// last of them lets go of it.
/// </summary>
public sealed class ActivePolicy(LoadedPolicy initial)
{
    private readonly Lock _reloading = new();
    private LoadedPolicy _loaded = initial;

    /// <summary>The policy a session starting now uses.</summary>
    public SecurityPolicy Current => Volatile.Read(ref _loaded).Policy;

    public LoadedPolicy Loaded => Volatile.Read(ref _loaded);

    /// <summary>Loads <paramref name="path"/> (the current file when null) and makes it the active policy.</summary>
    /// <exception cref="PolicyLoadException">The new policy was refused; the old one stays.</exception>
    public LoadedPolicy Reload(string? path = null)
    {
        lock (_reloading)
        {
            LoadedPolicy old = _loaded;
            LoadedPolicy loaded = PolicyAssemblyLoader.Load(path ?? old.Path);
            Volatile.Write(ref _loaded, loaded);

            // Unloading completes only when nothing references the old policy's types any more:
            // the sessions that started with it keep running it until they end.
            (old.Context.Target as AssemblyLoadContext)?.Unload();
            return loaded;
        }
    }
}
