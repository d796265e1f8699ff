namespace FastSmtp.Protocol;

/// <summary>Receives what <see cref="SmtpReplyParser"/> reads; implemented by structs. Spans live only during the call.</summary>
public interface ISmtpReplyHandler
{
    /// <summary>One line of a complete reply, in order; <paramref name="last"/> on its final line.</summary>
    void OnReplyLine(int code, EnhancedStatusCode status, ReadOnlySpan<byte> text, bool last);

    /// <summary>The input is not a reply.</summary>
    void OnRejected(ReplyRejection rejection);
}
