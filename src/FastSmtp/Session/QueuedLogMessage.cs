using System.Collections;
using FastSmtp.Hosting;
using FastSmtp.Queue;
using static FastSmtp.Hosting.SpanLogText;

namespace FastSmtp.Session;

/// <summary>
/// "Queued {QueueId} from {ClientIp}: {Recipients} recipients, {Size} bytes", a line per accepted
/// message: written into the log line as it is, with its values named for JSON logs.
/// </summary>
internal readonly struct QueuedLogMessage(QueueId queueId, string clientIp, int recipients, long size)
    : ISpanLoggable, IReadOnlyList<KeyValuePair<string, object?>>
{
    public const int EventId = 2;

    private const string Template = "Queued {QueueId} from {ClientIp}: {Recipients} recipients, {Size} bytes";

    public int MaxLength => "Queued ".Length + QueueId.FormattedLength + " from ".Length + clientIp.Length + ": ".Length + 11
        + " recipients, ".Length + 20 + " bytes".Length;

    public int Count => 5;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("QueueId", queueId),
        1 => new("ClientIp", clientIp),
        2 => new("Recipients", recipients),
        3 => new("Size", size),
        4 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public int Format(Span<char> destination)
    {
        int at = 0;
        Append(destination, ref at, "Queued ");
        AppendHex(destination, ref at, queueId.Value);
        Append(destination, ref at, " from ");
        Append(destination, ref at, clientIp);
        Append(destination, ref at, ": ");
        Append(destination, ref at, recipients);
        Append(destination, ref at, " recipients, ");
        Append(destination, ref at, size);
        Append(destination, ref at, " bytes");
        return at;
    }

    public override string ToString() => SpanLogText.ToString(this);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Enumerate(this);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
