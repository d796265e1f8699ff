using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Threading.RateLimiting;
using FastSmtp.Metrics;
using FastSmtp.Policy;
using FastSmtp.Protocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.ObjectPool;

namespace FastSmtp.Session;

/// <summary>
/// Kestrel hands each accepted connection here; a pooled session serves it. A connection from a
/// load balancer listed in --proxy-protocol-from must first say, in a PROXY header, which client
/// it carries: that client's address is the one policy, deny lists and Received headers see.
/// </summary>
internal sealed class SmtpConnectionHandler(SmtpServerContext server, ObjectPool<SmtpSession> sessions, IHostApplicationLifetime lifetime)
    : ConnectionHandler
{
    private int _active;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        // A draining server answers before counting the connection: only counted ones are uncounted.
        bool counted = false;
        try
        {
            IPAddress? peer = (connection.RemoteEndPoint as IPEndPoint)?.Address is { } remote ? ClientAddress.Unmapped(remote) : null;

            if (server.Options.Drain)
            {
                // Taken out of service: senders go to another MX or instance, and come back later.
                await RefuseAtConnectAsync(connection, peer, server.DrainingReply, "--drain");
                return;
            }

            int active = Interlocked.Increment(ref _active);
            counted = true;
            if (active > server.MaxConnections)
            {
                // Say why rather than drop the connection, so the client retries later (RFC 5321 3.8).
                SessionLog.TooManyConnections(server.Logger, peer?.ToString() ?? "unknown", active - 1);
                await RefuseAtConnectAsync(connection, peer, server.TooManyConnectionsReply, "--max-connections");
                return;
            }

            IPAddress? client = peer;
            if (server.IsProxyPeer(peer))
            {
                (ProxyHeader? header, string? problem) = await ReadProxyHeaderAsync(connection.Transport.Input, lifetime.ApplicationStopping);
                if (header is null && problem is null)
                {
                    // Closed before a single byte: a balancer's TCP probe, or its client gave up.
                    return;
                }

                if (header is null)
                {
                    // The balancer or the path to it is broken; the client behind it is told to
                    // come back later rather than be served under the balancer's address.
                    SessionLog.ProxyHeaderRefused(server.Logger, peer!.ToString(), problem!);
                    await connection.Transport.Output.WriteAsync(server.ProxyHeaderRefusedReply);
                    return;
                }

                client = header.Value.Source?.Address ?? peer;
            }

            // One policy for the connection: the limits' relay.txt exemption and every answer of the session.
            SecurityPolicy policy = server.Policy.Current;
            RateLimitLease? place = null;
            if (client is not null && !server.Limits.TryOpenSession(policy, client, out place))
            {
                // Postfix's anvil answer: come back later, from fewer connections.
                string address = client.ToString();
                SessionLog.ClientLimited(server.Logger, address, "session count or connection rate", address);
                SmtpMetrics.LimitHit("sessions");
                await RefuseAtConnectAsync(connection, client, Encoding.ASCII.GetBytes($"421 4.7.0 {server.Hostname} Error: too many connections from {address}\r\n"), "--max-sessions-per-client, --max-connections-per-minute");
                return;
            }

            using (place)
            {
                SmtpSession session = sessions.Get();
                SmtpMetrics.Sessions.Add(1);
                SmtpMetrics.ActiveSessions.Add(1);
                try
                {
                    await session.RunAsync(connection.Transport, client, lifetime.ApplicationStopping, policy);
                }
                finally
                {
                    SmtpMetrics.ActiveSessions.Add(-1);
                    sessions.Return(session);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            // The balancer went away before its header was complete.
        }
        finally
        {
            if (counted)
            {
                Interlocked.Decrement(ref _active);
            }
        }
    }

    /// <summary>A connection refused before its session starts: the reply, and its refusal log line.</summary>
    private async ValueTask RefuseAtConnectAsync(ConnectionContext connection, IPAddress? client, byte[] reply, string rule)
    {
        SessionLog.Refused(server.Logger, "NOQUEUE", "CONNECT", client?.ToString() ?? "unknown", Encoding.ASCII.GetString(reply).TrimEnd('\r', '\n'), string.Empty, string.Empty, string.Empty, rule);
        await connection.Transport.Output.WriteAsync(reply);
    }

    /// <summary>
    /// The header, or why there is none (malformed, not sent in time, the connection closed
    /// part-way); neither when the connection closed before its first byte.
    /// </summary>
    private async Task<(ProxyHeader? Header, string? Problem)> ReadProxyHeaderAsync(PipeReader input, CancellationToken stopping)
    {
        using var deadline = new CancellationTokenSource(server.Options.ProxyProtocolTimeout, server.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return (null, stopping.IsCancellationRequested ? "not read: server stopping" : "not sent in time");
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            ProxyHeaderStatus status = ProxyHeaderParser.TryParse(ref reader, out ProxyHeader header, out ProxyHeaderRejection rejection);
            switch (status)
            {
                case ProxyHeaderStatus.Parsed:
                    // Whatever followed the header is the client's and stays for the session.
                    input.AdvanceTo(reader.Position);
                    return (header, null);
                case ProxyHeaderStatus.Rejected:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return (null, "refused: " + rejection);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return (null, buffer.IsEmpty ? null : "incomplete: connection closed");
            }
        }
    }
}
