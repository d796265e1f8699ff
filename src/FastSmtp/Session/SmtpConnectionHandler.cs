using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.ObjectPool;

namespace FastSmtp.Session;

/// <summary>Kestrel hands each accepted connection here; a pooled session serves it.</summary>
internal sealed class SmtpConnectionHandler(SmtpServerContext server, ObjectPool<SmtpSession> sessions, IHostApplicationLifetime lifetime)
    : ConnectionHandler
{
    private int _active;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        try
        {
            int active = Interlocked.Increment(ref _active);
            if (active > server.Options.MaxConnections)
            {
                // Say why rather than drop the connection, so the client retries later (RFC 5321 3.8).
                SessionLog.TooManyConnections(server.Logger, (connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown", active - 1);
                await connection.Transport.Output.WriteAsync(server.TooManyConnectionsReply);
                return;
            }

            SmtpSession session = sessions.Get();
            try
            {
                await session.RunAsync(connection, lifetime.ApplicationStopping);
            }
            finally
            {
                sessions.Return(session);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }
}
