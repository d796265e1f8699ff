using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace FastSmtp.Session;

/// <summary>
/// An AUTH exchange in progress (RFC 4954): the step it waits for, the user named, and the
/// password, held in a pooled buffer that is zeroed as soon as the exchange ends.
/// </summary>
internal sealed class AuthExchange
{
    private byte[]? _password;
    private int _passwordLength;

    public AuthStep Step { get; set; }

    public string? User { get; private set; }

    public ReadOnlySpan<byte> Password => _password.AsSpan(0, _passwordLength);

    public void NameUser(ReadOnlySpan<byte> user) => User = Encoding.UTF8.GetString(user);

    public void KeepPassword(ReadOnlySpan<byte> password)
    {
        ForgetPassword();
        _password = ArrayPool<byte>.Shared.Rent(Math.Max(password.Length, 1));
        password.CopyTo(_password);
        _passwordLength = password.Length;
    }

    /// <summary>The exchange is over, whatever its outcome: nothing of it is kept.</summary>
    public void Reset()
    {
        Step = AuthStep.None;
        User = null;
        ForgetPassword();
    }

    private void ForgetPassword()
    {
        if (_password is not null)
        {
            CryptographicOperations.ZeroMemory(_password);
            ArrayPool<byte>.Shared.Return(_password);
            _password = null;
            _passwordLength = 0;
        }
    }
}
