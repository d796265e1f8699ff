using FastSmtp.Protocol;

namespace FastSmtp.Session;

/// <summary>The parser's handler: a struct so the parser's calls into the session are direct.</summary>
internal readonly struct SessionCommandHandler(SmtpSession session) : ISmtpCommandHandler
{
    public void OnCommand(SmtpVerb verb, ReadOnlySpan<byte> arguments) => session.OnCommand(verb, arguments);

    public void OnRejected(CommandRejection rejection) => session.OnRejected(rejection);
}
