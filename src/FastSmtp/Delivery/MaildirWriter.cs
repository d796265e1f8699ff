using System.Globalization;
using FastSmtp.Queue;
using Microsoft.Win32.SafeHandles;

namespace FastSmtp.Delivery;

/// <summary>
/// Local delivery into Maildir (<c>&lt;dir&gt;/&lt;host&gt;/&lt;user&gt;/{tmp,new,cur}</c>),
/// by the Maildir protocol: the message is written and fsync'd under tmp/, then renamed into
/// new/ and the folder fsync'd. A reader sees a message whole or not at all; a crash leaves at
/// most a file in tmp/, which mail readers ignore.
/// </summary>
public sealed class MaildirWriter(string root)
{
    private static long s_sequence;
    private readonly string _root = Path.GetFullPath(root);
    private readonly string _hostname = SafeName(Environment.MachineName);

    /// <summary>The Maildir of a local user on its canonical host.</summary>
    public string MaildirOf(string canonicalHost, string user) =>
        Path.Combine(_root, SafeName(canonicalHost.ToLowerInvariant()), SafeName(user.ToLowerInvariant()));

    /// <summary>Delivers a message body; returns the path of the file in new/.</summary>
    public string Deliver(string canonicalHost, string user, MessageBody body) =>
        Deliver(canonicalHost, user, handle =>
        {
            long offset = 0;
            for (int i = 0; i < body.ChunkCount; i++)
            {
                ReadOnlyMemory<byte> chunk = body.GetChunk(i);
                RandomAccess.Write(handle, chunk.Span, offset);
                offset += chunk.Length;
            }
        });

    /// <summary>Delivers bytes; returns the path of the file in new/.</summary>
    public string Deliver(string canonicalHost, string user, ReadOnlyMemory<byte> message) =>
        Deliver(canonicalHost, user, ReadOnlyMemory<byte>.Empty, message);

    /// <summary>Delivers trace fields followed by the message; returns the path of the file in new/.</summary>
    public string Deliver(string canonicalHost, string user, ReadOnlyMemory<byte> trace, ReadOnlyMemory<byte> message) =>
        Deliver(canonicalHost, user, handle =>
        {
            RandomAccess.Write(handle, trace.Span, 0);
            RandomAccess.Write(handle, message.Span, trace.Length);
        });

    private string Deliver(string canonicalHost, string user, Action<SafeFileHandle> write)
    {
        string maildir = MaildirOf(canonicalHost, user);
        string tmp = Path.Combine(maildir, "tmp");
        string @new = Path.Combine(maildir, "new");
        Directory.CreateDirectory(tmp);
        Directory.CreateDirectory(@new);
        Directory.CreateDirectory(Path.Combine(maildir, "cur"));

        string name = UniqueName();
        string tmpPath = Path.Combine(tmp, name);
        try
        {
            using (SafeFileHandle handle = File.OpenHandle(tmpPath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(handle);
                RandomAccess.FlushToDisk(handle);
            }

            string newPath = Path.Combine(@new, name);
            File.Move(tmpPath, newPath);
            DirectorySync.Flush(@new);
            return newPath;
        }
        catch
        {
            File.Delete(tmpPath);
            throw;
        }
    }

    /// <summary>time.M(microseconds)P(pid)Q(sequence).host, unique per delivery (the Maildir naming convention).</summary>
    private string UniqueName()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long sequence = Interlocked.Increment(ref s_sequence);
        return string.Create(CultureInfo.InvariantCulture, $"{now / 1000}.M{now % 1000 * 1000}P{Environment.ProcessId}Q{sequence}.{_hostname}");
    }

    /// <summary>A path segment that cannot climb out of the Maildir root or hide as a dot-file.</summary>
    private static string SafeName(string name)
    {
        char[] chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '/' or '\\' or ':' or '\0' || char.IsControl(chars[i]))
            {
                chars[i] = '_';
            }
        }

        string safe = new(chars);
        return safe.Length == 0 || safe[0] == '.' ? "_" + safe : safe;
    }
}
