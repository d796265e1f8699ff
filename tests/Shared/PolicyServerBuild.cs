using System.Collections.Concurrent;
using System.Diagnostics;

namespace FastSmtp.Testing;

/// <summary>
/// Builds the server with another policy folder, as an operator would:
/// `dotnet build src/FastSmtp -p:FastSmtpPolicyDir=DIR -o OUT`, on a copy of the sources so
/// the test run's own build is never touched.
/// </summary>
internal static class PolicyServerBuild
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> s_builds = new();

    /// <summary>The FastSmtp.dll built with <paramref name="policyDirectory"/>, built once per test run.</summary>
    public static Task<string> ServerWithPolicyAsync(string policyDirectory) =>
        s_builds.GetOrAdd(Path.GetFullPath(policyDirectory), directory => new Lazy<Task<string>>(async () =>
        {
            string work = Path.Combine(Path.GetTempPath(), "fastsmtp-policy-server-" + Guid.NewGuid().ToString("N"));
            string output = Path.Combine(work, "out");
            (int exit, string log) = await BuildAsync(CopySources(work), directory, output);
            if (exit != 0)
            {
                throw new InvalidOperationException($"building the server with {directory} failed:\n{log}");
            }

            return Path.Combine(output, "FastSmtp.dll");
        })).Value;

    /// <summary>The repository the tests were built from: the folder holding global.json above the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Copies what building src/FastSmtp needs into <paramref name="work"/>/repo.</summary>
    public static string CopySources(string work)
    {
        string root = RepositoryRoot;
        string copy = Path.Combine(work, "repo");
        Directory.CreateDirectory(copy);
        foreach (string file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            File.Copy(Path.Combine(root, file), Path.Combine(copy, file));
        }

        foreach (string project in new[] { "FastSmtp", "FastSmtp.Generators", "FastSmtp.Policy" })
        {
            string from = Path.Combine(root, "src", project);
            foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(from, file);
                if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
                {
                    continue;
                }

                string target = Path.Combine(copy, "src", project, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        return copy;
    }

    private static string FindRepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "global.json")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        return root;
    }

    public static Task<(int Exit, string Log)> BuildAsync(string sources, string policy, string output) =>
        RunDotnetAsync(sources, "build", Path.Combine("src", "FastSmtp"), $"-p:FastSmtpPolicyDir={policy}", "-o", output, "-nodeReuse:false", "-clp:NoSummary");

    /// <summary>`dotnet build src/FastSmtp.Policy -p:FastSmtpPolicyDir=DIR -o OUT`: the policy alone.</summary>
    public static Task<(int Exit, string Log)> BuildPolicyAsync(string sources, string policy, string output) =>
        RunDotnetAsync(sources, "build", Path.Combine("src", "FastSmtp.Policy"), $"-p:FastSmtpPolicyDir={policy}", "-o", output, "-nodeReuse:false", "-clp:NoSummary");

    /// <summary>`dotnet ARGUMENTS` in <paramref name="sources"/>, as an operator would run it; bounded at 5 minutes.</summary>
    public static Task<(int Exit, string Log)> RunDotnetAsync(string sources, params string[] arguments) =>
        RunAsync("dotnet", sources, arguments);

    /// <summary>Runs a program to its end (bounded at 5 minutes); its exit code and everything it printed.</summary>
    public static async Task<(int Exit, string Log)> RunAsync(string program, string? workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`; its MSBuild settings must not leak into a build.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }
}
