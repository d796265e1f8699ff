using System.Text;

namespace FastSmtp.Hosting;

/// <summary>
/// Standard output through a 64 KB buffer flushed every 100 ms (and on disposal), instead of
/// one write(2) per log line: at thousands of messages a second the console logger's line-by-line
/// writes cost more CPU than relaying the mail (measured with bench/load/relay.sh: 28% of the
/// server's CPU). A crash loses at most the last 100 ms of log lines, never mail.
/// </summary>
internal sealed class BufferedStandardOutput : IDisposable
{
    private readonly TextWriter _original = Console.Out;
    private readonly TextWriter _buffered;
    private readonly Timer _flusher;

    public BufferedStandardOutput()
    {
        _buffered = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = false });
        Console.SetOut(_buffered);
        _flusher = new Timer(static state => ((TextWriter)state!).Flush(), _buffered, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public void Dispose()
    {
        _flusher.Dispose();
        _buffered.Flush();
        Console.SetOut(_original);
    }
}
