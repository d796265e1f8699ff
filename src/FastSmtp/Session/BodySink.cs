using FastSmtp.Protocol;

namespace FastSmtp.Session;

/// <summary>Feeds decoded message content into the session's body, which enforces the size limit.</summary>
internal readonly struct BodySink(SmtpSession session) : IContentSink
{
    public void Append(ReadOnlySpan<byte> content) => session.AppendContent(content);
}
