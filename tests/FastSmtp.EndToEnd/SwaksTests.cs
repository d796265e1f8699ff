using System.Diagnostics;

namespace FastSmtp.EndToEnd;

/// <summary>
/// swaks (Debian package swaks), a real SMTP test client. .ci/run installs it; on a developer
/// machine without it the test is skipped, and in CI (CI=true) its absence is a failure.
/// </summary>
public class SwaksTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [SkippableFact]
    public async Task Swaks_completes_a_transaction()
    {
        string? swaks = FindOnPath("swaks");
        if (swaks is null)
        {
            Assert.NotEqual("true", Environment.GetEnvironmentVariable("CI"));
            Skip.If(true, "swaks is not installed (apt-get install swaks)");
        }

        var start = new ProcessStartInfo(swaks!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "--to", "u@example.test", "--from", "swaks@client.test", "--server", $"127.0.0.1:{fixture.Server.Port}", "--header", "Subject: from swaks", "--timeout", "20" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        string queued = output.Split('\n').Single(line => line.Contains("queued as", StringComparison.Ordinal));
        string queueId = queued.Trim().Split(' ')[^1];
        Assert.Contains(fixture.Server.ReadSpool(), m => m.QueueId.ToString() == queueId && m.MailFrom == "swaks@client.test");
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
