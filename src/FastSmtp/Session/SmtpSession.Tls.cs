using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;

namespace FastSmtp.Session;

internal sealed partial class SmtpSession
{
    /// <summary>RFC 3207: TLS over the same connection, then a session that knows nothing of the plain-text part.</summary>
    private async ValueTask<bool> StartTlsAsync()
    {
        await FlushAsync();
        var tls = new SslStream(new DuplexPipeStream(_transport.Input, _transport.Output), leaveInnerStreamOpen: false);
        try
        {
            using var handshakeTimeout = new CancellationTokenSource(_server.Options.CommandTimeout, _server.Time);
            await tls.AuthenticateAsServerAsync(_server.TlsOptions!, handshakeTimeout.Token);
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException or OperationCanceledException)
        {
            SessionLog.TlsHandshakeFailed(_server.Logger, exception, _clientAddress);
            await tls.DisposeAsync();
            return false;
        }

        _tls = tls;
        _input = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));

        // RFC 3207 4.2: discard all knowledge obtained from the client before TLS.
        ResetTransaction();
        _state = SessionState.Connected;
        _heloName = string.Empty;
        _esmtp = false;
        _authenticatedUser = null;
        return true;
    }

    private async ValueTask EndTlsAsync()
    {
        if (_tls is null)
        {
            return;
        }

        try
        {
            await _input.CompleteAsync();
            await _output.CompleteAsync();
            await _tls.DisposeAsync();
        }
        catch (IOException)
        {
            // The peer is already gone.
        }

        _tls = null;
    }
}
