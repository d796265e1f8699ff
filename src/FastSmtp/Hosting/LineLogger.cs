using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace FastSmtp.Hosting;

/// <summary>
/// One category's lines for <see cref="LineLoggerProvider"/>; filtering is the logger factory's.
/// Lines go to <paramref name="output"/>, or to whatever <see cref="Console.Out"/> is when written.
/// With <paramref name="json"/>, each line is a JSON object carrying the message's named values
/// (QueueId, ClientIp, Recipient, ...) as properties, for log pipelines that index them.
/// </summary>
internal sealed class LineLogger(string category, TextWriter? output = null, bool json = false) : ILogger
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_json;

    private const int StackLine = 512;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        if (!json && exception is null && SpanLoggable<TState>.Format is { } format)
        {
            // Written straight into the line: no message string, and the state never boxed.
            WriteSpanLoggable(logLevel, eventId.Id, state, format);
            return;
        }

        string message = formatter(state, exception);
        string? error = exception?.ToString();
        if (json)
        {
            WriteJson(logLevel, eventId.Id, state as IReadOnlyList<KeyValuePair<string, object?>>, message, error);
            return;
        }

        WriteLine(logLevel, eventId.Id, message.Length + (error is null ? 0 : error.Length + 1), (message, error), s_text);
    }

    /// <summary>A formatted message and its exception, written into the line like a span-written one.</summary>
    private static readonly SpanLoggable<(string Message, string? Error)>.Writer s_text = static (text, line) =>
    {
        int at = 0;
        Append(line, ref at, text.Message);
        if (text.Error is not null)
        {
            line[at++] = '\n';
            Append(line, ref at, text.Error);
        }

        return at;
    };

    private void WriteSpanLoggable<TState>(LogLevel logLevel, int eventId, TState state, SpanLoggable<TState>.Writer format) =>
        WriteLine(logLevel, eventId, SpanLoggable<TState>.MaxLength!(state), state, format);

    /// <summary>Timestamp, level, category, event id, the message <paramref name="format"/> writes, newline: one write.</summary>
    private void WriteLine<TMessage>(LogLevel logLevel, int eventId, int messageLength, TMessage message, SpanLoggable<TMessage>.Writer format)
    {
        int length = 32 + category.Length + 13 + messageLength + 1;
        char[]? rented = null;
        Span<char> line = length <= StackLine ? stackalloc char[StackLine] : (rented = ArrayPool<char>.Shared.Rent(length));
        int at = FormatHead(line, logLevel, eventId);
        at += format(message, line[at..]);
        line[at++] = '\n';
        (output ?? Console.Out).Write(line[..at]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Timestamp, level, category and event id.</summary>
    private int FormatHead(Span<char> line, LogLevel logLevel, int eventId)
    {
        int at = 0;
        DateTime.UtcNow.TryFormat(line, out int stamp, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        at += stamp;
        line[at++] = ' ';
        Append(line, ref at, Level(logLevel));
        Append(line, ref at, ": ");
        Append(line, ref at, category);
        line[at++] = '[';
        eventId.TryFormat(line[at..], out int digits, default, CultureInfo.InvariantCulture);
        at += digits;
        Append(line, ref at, "] ");
        return at;
    }

    private void WriteJson(LogLevel logLevel, int eventId, IReadOnlyList<KeyValuePair<string, object?>>? values, string message, string? error)
    {
        ArrayBufferWriter<byte> buffer = t_json ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("time", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.WriteString("level", Level(logLevel));
            writer.WriteString("category", category);
            writer.WriteNumber("event", eventId);
            writer.WriteString("message", message);
            for (int i = 0; values is not null && i < values.Count; i++)
            {
                (string name, object? value) = values[i];
                if (name == "{OriginalFormat}")
                {
                    continue;
                }

                switch (value)
                {
                    case null:
                        writer.WriteNull(name);
                        break;
                    case int or long or short or byte or uint or ulong or double or float or decimal:
                        writer.WriteNumber(name, Convert.ToDecimal(value, CultureInfo.InvariantCulture));
                        break;
                    case bool flag:
                        writer.WriteBoolean(name, flag);
                        break;
                    default:
                        writer.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                        break;
                }
            }

            if (error is not null)
            {
                writer.WriteString("exception", error);
            }

            writer.WriteEndObject();
        }

        (output ?? Console.Out).Write(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n");
    }

    private static void Append(Span<char> line, ref int at, ReadOnlySpan<char> text)
    {
        text.CopyTo(line[at..]);
        at += text.Length;
    }

    private static string Level(LogLevel logLevel) => logLevel switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
