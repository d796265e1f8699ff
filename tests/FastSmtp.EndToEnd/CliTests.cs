namespace FastSmtp.EndToEnd;

/// <summary>The command line as an operator meets it: help, version, mistakes named with exit 2, --config, config show.</summary>
public class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "fastsmtp-cli-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Help_lists_every_flag_and_exits_0_without_serving()
    {
        (int exit, string output, _) = await RunAsync(null, "--help");

        Assert.Equal(0, exit);
        Assert.StartsWith("usage: FastSmtp [serve] [options]", output);
        Assert.Contains("--max-recipients N", output);
        Assert.Contains("[1000]", output);
        Assert.Contains("--config FILE", output);
        Assert.DoesNotContain("Listening", output);
    }

    [Theory]
    [InlineData("policy", "check")]
    [InlineData("policy", "explain")]
    [InlineData("policy", "reload")]
    [InlineData("queue", "list")]
    [InlineData("queue", "flush")]
    [InlineData("queue", "show")]
    [InlineData("queue", "hold")]
    [InlineData("queue", "release")]
    [InlineData("queue", "delete")]
    [InlineData("config", "show")]
    public async Task Every_command_has_help(string command, string subcommand)
    {
        (int exit, string output, _) = await RunAsync(null, command, subcommand, "--help");

        Assert.Equal(0, exit);
        Assert.StartsWith($"usage: FastSmtp {command} {subcommand}", output);
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        (int exit, string output, _) = await RunAsync(null, "--version");

        Assert.Equal(0, exit);
        Assert.Matches(@"^FastSmtp \d+\.\d+\.\d+", output);
    }

    [Theory]
    [InlineData("unknown option '--bogus-flag'", "--bogus-flag", "1")]
    [InlineData("unexpected argument 'stray'", "--listen", "127.0.0.1:0", "stray")]
    [InlineData("option '--spool' needs a value", "--spool")]
    [InlineData("unknown command 'bogus'", "bogus")]
    [InlineData("no such file", "--config", "/nonexistent/fastsmtp.json")]
    public async Task A_mistake_is_named_in_one_line_and_exits_2(string named, params string[] arguments)
    {
        (int exit, string output, string error) = await RunAsync(null, arguments);

        Assert.Equal(2, exit);
        Assert.Contains(named, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(output);
    }

    [Fact]
    public async Task Config_show_prints_each_setting_with_where_it_came_from()
    {
        string settings = Path.Combine(_directory, "settings.json");
        await File.WriteAllTextAsync(settings, """{ "FastSmtp": { "MailDir": "/srv/fastsmtp/mail", "MaxConnections": 5 } }""");

        (int exit, string output, _) = await RunAsync(
            new Dictionary<string, string> { ["FASTSMTP_MAX_RECIPIENTS"] = "7" },
            "config", "show", "--config", settings, "--max-message-size", "1000", "--drain");

        Assert.Equal(0, exit);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^--max-message-size\s+1000\s+\(command line\)$", Line(lines, "--max-message-size"));
        Assert.Matches(@"^--drain\s+true\s+\(command line\)$", Line(lines, "--drain"));
        Assert.Matches(@"^--max-recipients\s+7\s+\(environment FASTSMTP_MAX_RECIPIENTS\)$", Line(lines, "--max-recipients"));
        Assert.Matches(@"^--mail-dir\s+/srv/fastsmtp/mail\s+\(file .*settings\.json\)$", Line(lines, "--mail-dir"));
        Assert.Matches(@"^--max-connections\s+5\s+\(file .*settings\.json\)$", Line(lines, "--max-connections"));
        Assert.Matches(@"^--spool\s+\./var/spool\s+\(default\)$", Line(lines, "--spool"));
    }

    [Fact]
    public async Task The_server_and_the_queue_commands_read_the_config_file()
    {
        string settings = Path.Combine(_directory, "settings.json");
        await File.WriteAllTextAsync(settings, """{ "FastSmtp": { "Hostname": "configured.test" } }""");

        await using ServerProcess server = await ServerProcess.StartAsync("--config", settings);
        await using (RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1"))
        {
            Assert.Equal("220 configured.test ESMTP FastSmtp\r\n", await client.ReadReplyAsync());
        }

        // The queue commands find the server's spool through the same file.
        await File.WriteAllTextAsync(settings, $$"""{ "FastSmtp": { "Spool": "{{server.Spool}}" } }""");
        (int exit, _, string error) = await RunAsync(null, "queue", "list", "--config", settings);
        Assert.Equal(0, exit);
        Assert.Equal("0 messages, 0 undelivered recipients", error.Trim());
        (int missing, _, string complaint) = await RunAsync(null, "queue", "list", "--config", Path.Combine(_directory, "none.json"));
        Assert.Equal(2, missing);
        Assert.Contains("no such file", complaint);
    }

    [Fact]
    public async Task The_packaged_settings_file_holds_every_path_the_service_and_its_commands_share()
    {
        string packaged = Path.Combine(FastSmtp.Testing.PolicyServerBuild.RepositoryRoot, "packaging", "appsettings.json");

        (int exit, string output, _) = await RunAsync(null, "config", "show", "--config", packaged);

        Assert.Equal(0, exit);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^--spool\s+/var/lib/fastsmtp/spool\s+\(file .*packaging/appsettings\.json\)$", Line(lines, "--spool"));
        Assert.Matches(@"^--mail-dir\s+/var/lib/fastsmtp/mail\s+\(file ", Line(lines, "--mail-dir"));
        Assert.Matches(@"^--policy\s+/etc/fastsmtp/FastSmtp\.Policy\.dll\s+\(file ", Line(lines, "--policy"));

        // A queue command given the service's file looks at the service's spool.
        (int listed, _, string error) = await RunAsync(null, "queue", "list", "--config", packaged);
        Assert.Equal(1, listed);
        Assert.Contains("/var/lib/fastsmtp/spool is not a spool", error);
    }

    private static string Line(string[] lines, string flag) => lines.Single(line => line.StartsWith(flag + " ", StringComparison.Ordinal));

    private static Task<(int Exit, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        ServerProcess.RunCommandAsync(environment, arguments);
}
