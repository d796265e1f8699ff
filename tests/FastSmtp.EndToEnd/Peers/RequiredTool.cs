namespace FastSmtp.EndToEnd.Peers;

/// <summary>
/// A real program a test talks to (smtp-sink, dnsmasq, unshare). .ci/run installs them; on a
/// developer machine without one the test is skipped, and in CI (CI=true) its absence fails.
/// </summary>
internal static class RequiredTool
{
    public static string Find(string program, string package)
    {
        string? path = (Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin")
            .Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
        if (path is null)
        {
            Assert.NotEqual("true", Environment.GetEnvironmentVariable("CI"));
            Skip.If(true, $"{program} is not installed (apt-get install {package})");
        }

        return path!;
    }

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>A loopback TCP port nothing listens on right now.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int FreeUdpPort()
    {
        using var socket = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    /// <summary>Waits (bounded) until <paramref name="process"/> (or whoever, when null) accepts TCP connections on a loopback port.</summary>
    public static async Task WaitForListenerAsync(System.Diagnostics.Process? process, int port, System.Net.IPAddress? address = null)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(address ?? System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline && process?.HasExited != true)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Waits (bounded) until a peer has made its Unix socket.</summary>
    public static async Task WaitForSocketAsync(string path)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} never appeared");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Starts a peer on a port from <paramref name="freePort"/> and waits until it listens. A port
    /// free when chosen may be taken by another test before the peer binds it, and the peer then
    /// exits at once: it is started again on another port, three times at most.
    /// </summary>
    public static async Task<(System.Diagnostics.Process Process, int Port)> StartListeningAsync(Func<int> freePort, Func<int, System.Diagnostics.ProcessStartInfo> startInfo)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = freePort();
            System.Diagnostics.Process process = System.Diagnostics.Process.Start(startInfo(port))!;
            try
            {
                await WaitForListenerAsync(process, port);
                return (process, port);
            }
            catch (System.Net.Sockets.SocketException) when (process.HasExited && attempt < 3)
            {
                process.Dispose();
            }
            catch
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }

                process.Dispose();
                throw;
            }
        }
    }
}
