using System.Collections;
using FastSmtp.Hosting;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using static FastSmtp.Hosting.SpanLogText;

namespace FastSmtp.Delivery;

/// <summary>
/// "Delivery {QueueId} to &lt;{Recipient}&gt; via {Relay}: {Result}", a line per recipient and
/// attempt: written into the log line as it is, with its values named for JSON logs.
/// </summary>
internal readonly struct DeliveryLogMessage(QueueId queueId, string recipient, string relay, NextHopReply result)
    : ISpanLoggable, IReadOnlyList<KeyValuePair<string, object?>>
{
    public const int EventId = 200;

    private const string Template = "Delivery {QueueId} to <{Recipient}> via {Relay}: {Result}";

    public int MaxLength => "Delivery ".Length + QueueId.FormattedLength + " to <".Length + recipient.Length + "> via ".Length
        + relay.Length + ": ".Length + 12 + result.Text.Length;

    public int Count => 5;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("QueueId", queueId),
        1 => new("Recipient", recipient),
        2 => new("Relay", relay),
        3 => new("Result", result.ToString()),
        4 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public int Format(Span<char> destination)
    {
        int at = 0;
        Append(destination, ref at, "Delivery ");
        AppendHex(destination, ref at, queueId.Value);
        Append(destination, ref at, " to <");
        Append(destination, ref at, recipient);
        Append(destination, ref at, "> via ");
        Append(destination, ref at, relay);
        Append(destination, ref at, ": ");
        if (result.Code != 0)
        {
            Append(destination, ref at, result.Code);
            Append(destination, ref at, " ");
        }

        Append(destination, ref at, result.Text);
        return at;
    }

    public override string ToString() => SpanLogText.ToString(this);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Enumerate(this);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
