namespace FastSmtp.Policy.Loading;

/// <summary>A policy and where it came from; <see cref="Context"/> lets a test see it unload.</summary>
public sealed record LoadedPolicy(SecurityPolicy Policy, string Path, WeakReference Context);
