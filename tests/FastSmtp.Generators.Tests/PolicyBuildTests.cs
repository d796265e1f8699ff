using FastSmtp.Testing;
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
            string sources = PolicyServerBuild.CopySources(work);
            string policy = Path.Combine(work, "my-policy");
            string output = Path.Combine(work, "out");
            Directory.CreateDirectory(policy);

            await File.WriteAllTextAsync(Path.Combine(policy, "hosts.txt"), "first.example.test\n");
            (int exit, string log) = await PolicyServerBuild.BuildAsync(sources, policy, output);
            Assert.True(exit == 0, log);
            Assert.Equal("first.example.test", await GreetingHostAsync(output, work));

            // An edit to a policy file must change the next (incremental) build.
            await File.WriteAllTextAsync(Path.Combine(policy, "hosts.txt"), "second.example.test\n");
            (exit, log) = await PolicyServerBuild.BuildAsync(sources, policy, output);
            Assert.True(exit == 0, log);
            Assert.Equal("second.example.test", await GreetingHostAsync(output, work));

            // tests.txt is run against the compiled policy on every build: a wrong expectation fails it.
            await File.WriteAllTextAsync(Path.Combine(policy, "tests.txt"), "# expectations\n127.0.0.1 a@x.example postmaster@second.example.test => accept\n203.0.113.5  a@x.example  u@remote.example  => accept\n");
            (exit, log) = await PolicyServerBuild.BuildAsync(sources, policy, output);
            Assert.NotEqual(0, exit);
            Assert.Contains($"{Path.Combine(policy, "tests.txt")}(3,48): error FSMTP020: expected accept, got 550 (smtp.conf (default): relay = addresses", log);

            // Senders and recipients are read by the server's MAIL and RCPT parser: an address
            // literal and a source route are testable, a path RCPT would refuse is reported.
            await File.WriteAllTextAsync(Path.Combine(policy, "tests.txt"), "127.0.0.1 <@a.example:a@x.example> other@[192.0.2.5] => 550\n127.0.0.1 a@x.example c@@d.example => accept\n");
            (exit, log) = await PolicyServerBuild.BuildAsync(sources, policy, output);
            Assert.NotEqual(0, exit);
            Assert.Contains($"{Path.Combine(policy, "tests.txt")}(2,1): error FSMTP015: 'c@@d.example' is not a path RCPT TO accepts", log);
            Assert.DoesNotContain("tests.txt(1,", log);
            File.Delete(Path.Combine(policy, "tests.txt"));

            // A typo fails the build with file, line and column.
            await File.WriteAllTextAsync(Path.Combine(policy, "hosts.txt"), "second.example.test\nbad_host.test\n");
            (exit, log) = await PolicyServerBuild.BuildAsync(sources, policy, output);
            Assert.NotEqual(0, exit);
            Assert.Contains($"{Path.Combine(policy, "hosts.txt")}(2,1): error FSMTP001: 'bad_host.test' is not a valid host name", log);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task The_policy_builds_alone_into_one_file_runs_its_tests_and_the_server_loads_it()
    {
        string work = Path.Combine(Path.GetTempPath(), "fastsmtp-policy-build-" + Guid.NewGuid().ToString("N"));
        try
        {
            string sources = PolicyServerBuild.CopySources(work);
            string policy = Path.Combine(work, "my-policy");
            string output = Path.Combine(work, "policy-out");
            Directory.CreateDirectory(policy);
            await File.WriteAllTextAsync(Path.Combine(policy, "hosts.txt"), "alone.example.test\n");
            await File.WriteAllTextAsync(Path.Combine(policy, "tests.txt"), "127.0.0.1 a@x.example postmaster@alone.example.test => accept\n");

            (int exit, string log) = await PolicyServerBuild.BuildPolicyAsync(sources, policy, output);
            Assert.True(exit == 0, log);
            Assert.Equal(["FastSmtp.Policy.dll"], Directory.GetFiles(output).Select(Path.GetFileName));
            Assert.Contains("tests.txt: 1 passed, 0 failed", await PolicyCheckAsync(sources, Path.Combine(output, "FastSmtp.Policy.dll")));

            // The server the policy was built against runs it, named by --policy.
            string server = Path.Combine(sources, "src", "FastSmtp", "bin", "Debug", "net10.0");
            Assert.Equal("alone.example.test", await GreetingHostAsync(server, work, "--policy", Path.Combine(output, "FastSmtp.Policy.dll")));

            // tests.txt fails the policy-only build with its file, line and column.
            await File.WriteAllTextAsync(Path.Combine(policy, "tests.txt"), "203.0.113.5  a@x.example  u@remote.example  => accept\n");
            (exit, log) = await PolicyServerBuild.BuildPolicyAsync(sources, policy, output);
            Assert.NotEqual(0, exit);
            Assert.Contains($"{Path.Combine(policy, "tests.txt")}(1,48): error FSMTP020: expected accept, got 550", log);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> PolicyCheckAsync(string sources, string policy)
    {
        (int exit, string log) = await PolicyServerBuild.RunDotnetAsync(sources, Path.Combine(sources, "src", "FastSmtp", "bin", "Debug", "net10.0", "FastSmtp.dll"), "policy", "check", "--policy", policy);
        Assert.True(exit == 0, log);
        return log;
    }

    /// <summary>Starts the built server on a free loopback port and reads the host name it announces.</summary>
    private static async Task<string> GreetingHostAsync(string output, string work, params string[] options)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { Path.Combine(output, "FastSmtp.dll"), "--listen", "127.0.0.1:0", "--spool", Path.Combine(work, "spool") }.Concat(options))
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
