namespace FastSmtp.Protocol;

/// <summary>Enumerates space-separated <c>KEYWORD[=VALUE]</c> parameters without allocating.</summary>
public ref struct SmtpParameterEnumerator
{
    private ReadOnlySpan<byte> _remaining;

    public SmtpParameterEnumerator(ReadOnlySpan<byte> parameters)
    {
        _remaining = parameters;
        Current = default;
    }

    public SmtpParameter Current { get; private set; }

    public readonly SmtpParameterEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        _remaining = _remaining.TrimStart((byte)' ');
        if (_remaining.IsEmpty)
        {
            return false;
        }

        int space = _remaining.IndexOf((byte)' ');
        ReadOnlySpan<byte> token = space < 0 ? _remaining : _remaining[..space];
        _remaining = space < 0 ? default : _remaining[space..];
        int equals = token.IndexOf((byte)'=');
        Current = equals < 0
            ? new SmtpParameter(token, default, hasValue: false)
            : new SmtpParameter(token[..equals], token[(equals + 1)..], hasValue: true);
        return true;
    }
}
