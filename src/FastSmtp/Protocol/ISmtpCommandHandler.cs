namespace FastSmtp.Protocol;

/// <summary>
/// Receives what <see cref="SmtpCommandParser"/> finds. Implemented by structs so the parser's
/// calls are direct, not virtual; the spans are valid only during the call.
/// </summary>
public interface ISmtpCommandHandler
{
    /// <summary>A complete command line: its verb and the text after the verb's separating space.</summary>
    void OnCommand(SmtpVerb verb, ReadOnlySpan<byte> arguments);

    /// <summary>A line refused as a whole.</summary>
    void OnRejected(CommandRejection rejection);
}
