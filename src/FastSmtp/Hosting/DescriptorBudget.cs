using System.Runtime.InteropServices;

namespace FastSmtp.Hosting;

/// <summary>
/// How many connections the process's descriptor limit (ulimit -n) leaves room for. A .NET
/// process that runs out of descriptors does not fail politely: measured here, the runtime ends
/// it ("Out of memory.") soon after, under load, with or without W^X. So the server never lets
/// connections take the last descriptors: it keeps a reserve for the spool's files, outbound
/// deliveries, DNS and the runtime, and answers connections past the rest with 421.
/// </summary>
internal static partial class DescriptorBudget
{
    /// <summary>Descriptors kept for everything but inbound connections, besides one per outbound delivery.</summary>
    public const int Reserve = 128;

    /// <summary>
    /// The connections the limit leaves room for, beside the descriptors open now and the
    /// reserve; <paramref name="configured"/> when that is fewer, or where the limit cannot be read.
    /// </summary>
    public static int Connections(int configured, int deliveryConcurrency)
    {
        long limit = SoftLimit();
        if (limit <= 0 || !Directory.Exists("/proc/self/fd"))
        {
            return configured;
        }

        long open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        long room = limit - open - Reserve - deliveryConcurrency;
        return (int)Math.Clamp(room, 1, configured);
    }

    /// <summary>The process's descriptor limit (ulimit -n), 0 where it is not known.</summary>
    public static long SoftLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        unsafe
        {
            // struct rlimit { rlim_t soft, hard; }: the soft limit is the one that bites.
            ulong* limits = stackalloc ulong[2];
            return GetRLimit(ResourceOpenFiles, limits) == 0 && limits[0] < long.MaxValue ? (long)limits[0] : 0;
        }
    }

    private const int ResourceOpenFiles = 7; // RLIMIT_NOFILE on Linux

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static unsafe partial int GetRLimit(int resource, ulong* limits);
}
