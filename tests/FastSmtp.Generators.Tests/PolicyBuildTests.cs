using System.Diagnostics;
using System.Text;

namespace FastSmtp.Generators.Tests;

/// <summary>
/// The policy folder through MSBuild for real: `dotnet build src/FastSmtp -p:FastSmtpPolicyDir=...`
/// on a copy of the sources, the built server started, the policy edited and rebuilt.
/// </summary>
public class PolicyBuildTests
{
    [Fact]
    public async Task A_policy_folder_given_to_the_build_is_compiled_in_and_every_edit_rebuilds()
    {
        string work = Path.Combine(Path.GetTempPath(), "fastsmtp-build-" + Guid.NewGuid().ToString("N"));
        try
        {
            string sources = CopySources(work);
            string policy = Path.Combine(work, "my-policy");
            string output = Path.Combine(work, "out");
            Directory.CreateDirectory(policy);

            await File.WriteAllTextAsync(Path.Combine(policy, "hosts.txt"), "first.example.test\n");
            (int exit, string log) = await BuildAsync(sources, policy, output);
            Assert.True(exit == 0, log);
            Assert.Equal("first.example.test", await GreetingHostAsync(output, work));

            // An edit to a policy file must change the next (incremental) build.
            await File.WriteAllTextAsync(Path.Combine(policy, "hosts.txt"), "second.example.test\n");
            (exit, log) = await BuildAsync(sources, policy, output);
            Assert.True(exit == 0, log);
            Assert.Equal("second.example.test", await GreetingHostAsync(output, work));

            // A typo fails the build with file, line and column.
            await File.WriteAllTextAsync(Path.Combine(policy, "hosts.txt"), "second.example.test\nbad_host.test\n");
            (exit, log) = await BuildAsync(sources, policy, output);
            Assert.NotEqual(0, exit);
            Assert.Contains($"{Path.Combine(policy, "hosts.txt")}(2,1): error FSMTP001: 'bad_host.test' is not a valid host name", log);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string CopySources(string work)
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "global.json")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        string copy = Path.Combine(work, "repo");
        foreach (string file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Directory.CreateDirectory(copy);
            File.Copy(Path.Combine(root, file), Path.Combine(copy, file));
        }

        foreach (string project in new[] { "FastSmtp", "FastSmtp.Generators" })
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

    private static async Task<(int Exit, string Log)> BuildAsync(string sources, string policy, string output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = sources,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "build", Path.Combine("src", "FastSmtp"), $"-p:FastSmtpPolicyDir={policy}", "-o", output, "-nodeReuse:false", "-clp:NoSummary" })
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`; its MSBuild settings must not leak into this build.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using Process build = Process.Start(start)!;
        Task<string> stdout = build.StandardOutput.ReadToEndAsync();
        Task<string> stderr = build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (build.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts the built server on a free loopback port and reads the host name it announces.</summary>
    private static async Task<string> GreetingHostAsync(string output, string work)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { Path.Combine(output, "FastSmtp.dll"), "--listen", "127.0.0.1:0", "--spool", Path.Combine(work, "spool") })
        {
            start.ArgumentList.Add(argument);
        }

        using Process server = Process.Start(start)!;
        try
        {
            var seen = new StringBuilder();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                seen.AppendLine(line);
                int at = line.IndexOf("FastSmtp ", StringComparison.Ordinal);
                if (line.Contains(" listening on ", StringComparison.Ordinal) && at >= 0)
                {
                    return line[(at + "FastSmtp ".Length)..line.IndexOf(" listening on ", StringComparison.Ordinal)];
                }
            }

            throw new InvalidOperationException("the server never said it was listening:\n" + seen + await server.StandardError.ReadToEndAsync());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}
