using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Hosting;

/// <summary>
/// Log lines on standard output, one per event, in the single-line console format
/// (<c>2026-11-28T22:06:35.985Z info: Category[200] message</c>). It replaces the console
/// logger on the hot path: that one copies each line through a StringWriter, a timestamp
/// string and a queue to its own thread (per relayed message about a kilobyte and, at full
/// rate, a fifth of the server's CPU; see bench/README.md). Here a line is formatted into a
/// stack buffer and handed to <see cref="Console.Out"/> in one call, which
/// <see cref="BufferedStandardOutput"/> buffers.
/// </summary>
[ProviderAlias("Console")]
internal sealed class LineLoggerProvider(bool json = false) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, LineLogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new LineLogger(name, json: json));

    public void Dispose() => Console.Out.Flush();
}
