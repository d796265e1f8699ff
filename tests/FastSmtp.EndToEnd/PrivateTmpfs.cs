using System.Diagnostics;
using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>
/// A tmpfs of a given size (and number of inodes) in a mount namespace of its own, held open by
/// a sleeping process, so a real file system runs out of space or inodes for the server and
/// only for it. Servers are started inside it through nsenter; the mount outlives them, so a
/// server killed with -9 can be started again on the same spool. The test reaches it through
/// /proc/PID/root. Disposing ends the namespace and, with it, the tmpfs.
/// </summary>
internal sealed class PrivateTmpfs : IAsyncDisposable
{
    private readonly Process _holder;
    private readonly List<string> _fillers = [];

    private PrivateTmpfs(Process holder, string path)
    {
        _holder = holder;
        Path = path;
    }

    /// <summary>The mount point, as the servers inside see it.</summary>
    public string Path { get; }

    /// <summary>The same folder as this process sees it.</summary>
    public string Visible => $"/proc/{_holder.Id}/root{Path}";

    /// <summary>The command that runs a program inside the namespace.</summary>
    public string[] Launcher => [RequiredTool.Find("nsenter", "util-linux"), "-t", _holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "--"];

    public static async Task<PrivateTmpfs> MountAsync(long bytes, int? inodes = null)
    {
        string unshare = RequiredTool.Find("unshare", "util-linux");
        RequiredTool.Find("nsenter", "util-linux");
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastsmtp-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        string options = $"size={bytes}" + (inodes is { } count ? $",nr_inodes={count}" : string.Empty);
        var start = new ProcessStartInfo(unshare) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-m", "--propagation", "private", "sh", "-c", $"mount -t tmpfs -o {options} tmpfs '{path}' && echo mounted && exec sleep 600" })
        {
            start.ArgumentList.Add(argument);
        }

        Process holder = Process.Start(start)!;
        string? line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15));
        if (line != "mounted")
        {
            string error = await holder.StandardError.ReadToEndAsync();
            holder.Kill();
            throw new InvalidOperationException($"could not mount a tmpfs ({options}): {error}");
        }

        return new PrivateTmpfs(holder, path);
    }

    /// <summary>Takes what is left of the tmpfs: files of <paramref name="chunk"/> bytes (empty ones eat inodes) until it refuses.</summary>
    public int Fill(int chunk, int? leave = null)
    {
        byte[] data = new byte[chunk];
        int files = 0;
        while (true)
        {
            string filler = System.IO.Path.Combine(Visible, $"filler-{_fillers.Count}");
            try
            {
                if (leave is { } margin && new DriveInfo(Visible).AvailableFreeSpace - chunk < margin)
                {
                    return files;
                }

                File.WriteAllBytes(filler, data);
                _fillers.Add(filler);
                files++;
            }
            catch (IOException)
            {
                if (File.Exists(filler))
                {
                    _fillers.Add(filler);
                }

                return files;
            }
        }
    }

    /// <summary>Gives back what <see cref="Fill"/> took: the fault clears.</summary>
    public void Free()
    {
        foreach (string filler in _fillers)
        {
            File.Delete(filler);
        }

        _fillers.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_holder.HasExited)
        {
            _holder.Kill();
        }

        await _holder.WaitForExitAsync();
        _holder.Dispose();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
