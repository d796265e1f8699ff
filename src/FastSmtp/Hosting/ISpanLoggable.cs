namespace FastSmtp.Hosting;

/// <summary>
/// A log message that writes its own text into the log line: logging it makes no message string,
/// no array of values and no boxed value (the per-delivery lines are on the hot path).
/// </summary>
internal interface ISpanLoggable
{
    /// <summary>The most characters <see cref="Format"/> can write.</summary>
    int MaxLength { get; }

    /// <summary>Writes the message; returns the characters written.</summary>
    int Format(Span<char> destination);
}
