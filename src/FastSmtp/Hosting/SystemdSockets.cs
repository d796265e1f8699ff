using System.Globalization;

namespace FastSmtp.Hosting;

/// <summary>
/// Listening sockets handed over by systemd (socket activation, sd_listen_fds): descriptors 3,
/// 4, ... when LISTEN_PID names this process and LISTEN_FDS counts them. The socket unit keeps
/// them open while the service restarts, so clients queue in the kernel instead of being
/// refused, and the next server accepts them.
/// </summary>
internal static class SystemdSockets
{
    private const int FirstDescriptor = 3;

    /// <summary>The inherited listening descriptors; empty when not socket-activated.</summary>
    public static IReadOnlyList<int> Take()
    {
        if (Environment.GetEnvironmentVariable("LISTEN_PID") != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
            || !int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || count <= 0)
        {
            return [];
        }

        // They are this process's alone: a program it starts must not think they are its own.
        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        return [.. Enumerable.Range(FirstDescriptor, count)];
    }
}
