using System.Collections;
using System.Globalization;
using FastSmtp.Hosting;
using FastSmtp.Protocol;
using FastSmtp.Queue;

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
        + relay.Length + ": ".Length + 4 + result.Text.Length;

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
        queueId.Value.TryFormat(destination[at..], out int digits, "X16", CultureInfo.InvariantCulture);
        at += digits;
        Append(destination, ref at, " to <");
        Append(destination, ref at, recipient);
        Append(destination, ref at, "> via ");
        Append(destination, ref at, relay);
        Append(destination, ref at, ": ");
        if (result.Code != 0)
        {
            result.Code.TryFormat(destination[at..], out digits, default, CultureInfo.InvariantCulture);
            at += digits;
            destination[at++] = ' ';
        }

        Append(destination, ref at, result.Text);
        return at;
    }

    public override string ToString()
    {
        Span<char> text = MaxLength <= 1024 ? stackalloc char[MaxLength] : new char[MaxLength];
        return new string(text[..Format(text)]);
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static void Append(Span<char> destination, ref int at, string text)
    {
        text.CopyTo(destination[at..]);
        at += text.Length;
    }
}
