using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Tests.Protocol;

/// <summary>Records what the parser reports, as text, for assertions.</summary>
internal struct RecordingHandler(List<string> calls) : ISmtpCommandHandler
{
    public readonly List<string> Calls = calls;

    public readonly void OnCommand(SmtpVerb verb, ReadOnlySpan<byte> arguments) =>
        Calls.Add($"{verb}|{Encoding.UTF8.GetString(arguments)}");

    public readonly void OnRejected(CommandRejection rejection) => Calls.Add($"rejected|{rejection}");
}
