using System.Net.Sockets;
using System.Text;

namespace FastSmtp.EndToEnd;

/// <summary>
/// Type=notify: run by systemd, the server tells it READY=1 once it listens, over the datagram
/// socket NOTIFY_SOCKET names. systemd is stood in for by a shell whose process is named
/// "systemd" (how the server recognises its service manager) and a socket of the test's own.
/// </summary>
public class SystemdNotifyTests : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "fastsmtp-notify-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Run_by_systemd_the_server_says_ready_once_it_listens()
    {
        string manager = Path.Combine(_directory, "systemd");
        File.Copy("/bin/sh", manager);
        string socketPath = Path.Combine(_directory, "notify.sock");
        using var notifications = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notifications.Bind(new UnixDomainSocketEndPoint(socketPath));

        // The shell stays the server's parent ("$@" is not its last command, so it cannot exec it).
        await using ServerProcess server = await ServerProcess.StartUnderAsync(
            [manager, "-c", "\"$@\"; exit $?", "systemd"],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });

        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int received = await notifications.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Contains("READY=1", Encoding.ASCII.GetString(buffer, 0, received));

        // It said so once it was serving.
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Run_by_anything_else_the_server_sends_no_notification()
    {
        string socketPath = Path.Combine(_directory, "notify.sock");
        using var notifications = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notifications.Bind(new UnixDomainSocketEndPoint(socketPath));

        await using ServerProcess server = await ServerProcess.StartWithEnvironmentAsync(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
        Assert.StartsWith("220 ", await client.ReadReplyAsync());

        Assert.Equal(0, notifications.Available);
    }
}
