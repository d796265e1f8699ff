using Microsoft.Extensions.ObjectPool;

namespace FastSmtp.Session;

/// <summary>
/// Sessions are pooled because each carries a message body, a recipient list and a timeout
/// source that would otherwise be allocated per connection; the reset lives here.
/// </summary>
internal sealed class SessionPoolPolicy(SmtpServerContext server) : PooledObjectPolicy<SmtpSession>
{
    public override SmtpSession Create() => new(server);

    public override bool Return(SmtpSession session) => session.Reset();
}
