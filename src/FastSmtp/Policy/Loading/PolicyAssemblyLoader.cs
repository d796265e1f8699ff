using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace FastSmtp.Policy.Loading;

/// <summary>
/// Loads a compiled policy (FastSmtp.Policy.dll) into its own collectible context. The file is
/// read into memory and closed first, so a build may overwrite it while the server runs from
/// it. A policy compiled against another server or contract version is refused, as is one
/// whose tests.txt this server's engine does not pass.
/// </summary>
public static class PolicyAssemblyLoader
{
    public const string FileName = "FastSmtp.Policy.dll";

    /// <summary>The policy beside the server's own assembly.</summary>
    public static string DefaultPath => System.IO.Path.Combine(AppContext.BaseDirectory, FileName);

    /// <exception cref="PolicyLoadException">The file cannot be read, is not a policy, or was built for another server.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static LoadedPolicy Load(string path, bool runTests = true)
    {
        path = System.IO.Path.GetFullPath(path);
        byte[] image;
        try
        {
            image = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PolicyLoadException($"cannot read {path}: {exception.Message}", exception);
        }

        return Load(image, path, runTests);
    }

    /// <summary>
    /// A policy from its assembly's bytes (a build in memory, a test's); <paramref name="source"/>
    /// names it in errors and in <see cref="LoadedPolicy.Path"/>.
    /// </summary>
    /// <exception cref="PolicyLoadException">The image is not a policy, or was built for another server.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static LoadedPolicy Load(byte[] image, string source, bool runTests = true)
    {
        string path = source;
        var context = new PolicyLoadContext("policy " + System.IO.Path.GetFileName(path));
        try
        {
            SecurityPolicy policy = Instantiate(context, image, path);

            // The build ran tests.txt with the server it was built against; running them here
            // proves this server's engine agrees, and warms the code every session will run.
            List<string> failures = runTests ? PolicyTestRunner.Failures(policy) : [];
            if (failures.Count > 0)
            {
                throw new PolicyLoadException($"{path}: {failures.Count} of its tests.txt expectations fail with this server, the first: {failures[0]}");
            }

            return new LoadedPolicy(policy, path, new WeakReference(context));
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "A trimmed server keeps all of its own assembly (TrimmerRootAssembly), which is what a policy assembly calls.")]
    private static SecurityPolicy Instantiate(PolicyLoadContext context, byte[] image, string path)
    {
        Assembly assembly;
        try
        {
            using var stream = new MemoryStream(image, writable: false);
            assembly = context.LoadFromStream(stream);
        }
        catch (BadImageFormatException exception)
        {
            throw new PolicyLoadException($"{path} is not a .NET assembly: {exception.Message}", exception);
        }

        AssemblyName server = typeof(SecurityPolicy).Assembly.GetName();
        AssemblyName? builtAgainst = assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == server.Name);
        PolicyEntryPointAttribute? entry;
        try
        {
            entry = assembly.GetCustomAttribute<PolicyEntryPointAttribute>();
        }
        catch (Exception exception) when (exception is TypeLoadException or FileLoadException or FileNotFoundException or MissingMethodException)
        {
            throw new PolicyLoadException($"{path} was built for another FastSmtp ({builtAgainst?.Version}, this is {server.Version}): rebuild it with this server's sources", exception);
        }

        if (entry is null)
        {
            throw new PolicyLoadException($"{path} is not a FastSmtp policy (no compiled policy in it)");
        }

        if (entry.ContractVersion != PolicyContract.Version || builtAgainst?.Version != server.Version)
        {
            throw new PolicyLoadException($"{path} was built for another FastSmtp (version {builtAgainst?.Version}, policy contract {entry.ContractVersion}; this server is {server.Version}, contract {PolicyContract.Version}): rebuild it with this server's sources");
        }

        try
        {
            return (SecurityPolicy)Activator.CreateInstance(entry.PolicyType)!;
        }
        catch (Exception exception) when (exception is TargetInvocationException or TypeLoadException or InvalidCastException or MissingMethodException or TypeInitializationException)
        {
            Exception cause = exception is TargetInvocationException { InnerException: { } inner } ? inner : exception;
            throw new PolicyLoadException($"{path} cannot be loaded by this server: {cause.Message}", cause);
        }
    }
}
