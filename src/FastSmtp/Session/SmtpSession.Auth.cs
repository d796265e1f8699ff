using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using FastSmtp.Metrics;
using FastSmtp.Policy;

namespace FastSmtp.Session;

internal sealed partial class SmtpSession
{
    /// <summary>AUTH continuation lines may be up to 12288 octets (a long initial response or token).</summary>
    public const int MaxAuthLineLength = 12288;

    private readonly AuthExchange _auth = new();

    /// <summary>Who the client proved to be with AUTH; null until then.</summary>
    private string? _authenticatedUser;

    private void OnAuth(ReadOnlySpan<byte> arguments)
    {
        if (_state == SessionState.Connected)
        {
            Refuse(SmtpReplies.SendHeloFirst);
            return;
        }

        if (_authenticatedUser is not null)
        {
            Refuse("503 5.5.1 Error: already authenticated\r\n"u8);
            return;
        }

        if (_state == SessionState.InTransaction)
        {
            Refuse("503 5.5.1 Error: MAIL transaction in progress\r\n"u8);
            return;
        }

        // After STARTTLS, or on a loopback connection: a password never crosses a network in clear.
        PolicyDecision allowed = _policy.CheckAuthAllowed(_tls is not null, _client);
        SmtpMetrics.PolicyDecision(allowed, "auth");
        if (!allowed.Accepted)
        {
            RefuseByPolicy(allowed);
            return;
        }

        int space = arguments.IndexOf((byte)' ');
        ReadOnlySpan<byte> mechanism = space < 0 ? arguments : arguments[..space];
        ReadOnlySpan<byte> initial = space < 0 ? default : arguments[(space + 1)..].Trim((byte)' ');
        if (Ascii.EqualsIgnoreCase(mechanism, "PLAIN"u8))
        {
            if (initial.IsEmpty)
            {
                Reply("334 \r\n"u8);
                StartAuthExchange(AuthStep.PlainResponse);
            }
            else
            {
                _auth.Step = AuthStep.PlainResponse;
                OnAuthResponse(initial);
            }
        }
        else if (Ascii.EqualsIgnoreCase(mechanism, "LOGIN"u8))
        {
            _auth.Step = AuthStep.LoginUser;
            if (initial.IsEmpty)
            {
                Reply("334 VXNlcm5hbWU6\r\n"u8); // "Username:"
                StartAuthExchange(AuthStep.LoginUser);
            }
            else
            {
                OnAuthResponse(initial);
            }
        }
        else
        {
            Refuse("504 5.5.4 Unrecognized authentication type\r\n"u8);
        }
    }

    private void StartAuthExchange(AuthStep step)
    {
        _auth.Step = step;
        _mode = InputMode.AuthResponse;
    }

    /// <summary>One base64 response line of the exchange (without CRLF).</summary>
    private void OnAuthResponse(ReadOnlySpan<byte> line)
    {
        _mode = InputMode.Commands;
        if (line.SequenceEqual("*"u8))
        {
            _auth.Reset();
            Refuse("501 5.7.0 Authentication aborted\r\n"u8);
            return;
        }

        byte[] decoded = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(line.Length) + 1);
        try
        {
            if (Base64.DecodeFromUtf8(line, decoded, out _, out int length) != OperationStatus.Done)
            {
                _auth.Reset();
                Refuse("501 5.5.2 Error: cannot decode response\r\n"u8);
                return;
            }

            ReadOnlySpan<byte> response = decoded.AsSpan(0, length);
            switch (_auth.Step)
            {
                case AuthStep.PlainResponse:
                    // RFC 4616: [authzid] NUL authcid NUL passwd
                    int first = response.IndexOf((byte)0);
                    int second = first < 0 ? -1 : response[(first + 1)..].IndexOf((byte)0);
                    if (second < 0)
                    {
                        _auth.Reset();
                        Refuse("501 5.5.2 Error: malformed AUTH PLAIN response\r\n"u8);
                        return;
                    }

                    _auth.NameUser(response.Slice(first + 1, second));
                    _auth.KeepPassword(response[(first + second + 2)..]);
                    _action = PendingAction.Authenticate;
                    break;
                case AuthStep.LoginUser:
                    _auth.NameUser(response);
                    Reply("334 UGFzc3dvcmQ6\r\n"u8); // "Password:"
                    StartAuthExchange(AuthStep.LoginPassword);
                    break;
                case AuthStep.LoginPassword:
                    _auth.KeepPassword(response);
                    _action = PendingAction.Authenticate;
                    break;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
            ArrayPool<byte>.Shared.Return(decoded);
        }
    }

    /// <summary>
    /// Checks the credentials against users.txt's hash. The throttle is asked first (an address
    /// or network with failures waits before any work is done), then the verification waits its
    /// turn at the gate; a failure is counted for the address and its network.
    /// </summary>
    private async ValueTask AuthenticateAsync()
    {
        string? user = _auth.User;
        PolicyDecision verified;
        try
        {
            TimeSpan delay = _server.AuthFailures.DelayBefore(_client);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _server.Time, _stopping);
                }
                catch (OperationCanceledException)
                {
                    // The server is stopping: the attempt is answered now, and the session ends after it.
                }
            }

            using IDisposable? turn = await _server.PasswordVerifications.EnterAsync(_stopping);
            if (turn is null)
            {
                SessionLog.AuthenticationBusy(_server.Logger, _clientAddress);
                Refuse("454 4.7.0 Temporary authentication failure, try again later\r\n"u8);
                return;
            }

            // A missing account costs the same derivation as a real one.
            verified = _policy.Authenticate(user, _auth.Password);
            SmtpMetrics.PolicyDecision(verified, "auth");
        }
        finally
        {
            _auth.Reset();
        }

        if (verified.Accepted)
        {
            _authenticatedUser = user;
            Reply("235 2.7.0 Authentication successful\r\n"u8);
            SessionLog.Authenticated(_server.Logger, _clientAddress, user!);
            return;
        }

        _server.AuthFailures.Fail(_client);
        SessionLog.AuthenticationFailed(_server.Logger, _clientAddress, _server.AuthFailures.Failures(_client));
        RefuseByPolicy(verified);
    }


    /// <summary>Reads one AUTH continuation line; a longer one ends the exchange but never denies the client.</summary>
    private bool ReadAuthLine(ref SequenceReader<byte> reader)
    {
        ReadOnlySequence<byte> window = reader.UnreadSequence;
        if (window.Length > MaxAuthLineLength)
        {
            window = window.Slice(0, MaxAuthLineLength);
        }

        SequencePosition? lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            if (window.Length < MaxAuthLineLength)
            {
                return false;
            }

            _auth.Reset();
            _mode = InputMode.DiscardLine;
            Refuse("500 5.5.6 Error: authentication line too long\r\n"u8);
            return true;
        }

        ReadOnlySequence<byte> line = window.Slice(0, lf.Value);
        reader.Advance(line.Length + 1);
        byte[] copy = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(copy);
            ReadOnlySpan<byte> text = copy.AsSpan(0, (int)line.Length);
            OnAuthResponse(text.EndsWith((byte)'\r') ? text[..^1] : text);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
            ArrayPool<byte>.Shared.Return(copy);
        }

        return true;
    }
}
