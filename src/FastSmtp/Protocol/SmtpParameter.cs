namespace FastSmtp.Protocol;

/// <summary>One ESMTP parameter (RFC 5321 4.1.2 esmtp-param): keyword and optional value, as slices of the line.</summary>
public readonly ref struct SmtpParameter
{
    public SmtpParameter(ReadOnlySpan<byte> keyword, ReadOnlySpan<byte> value, bool hasValue)
    {
        Keyword = keyword;
        Value = value;
        HasValue = hasValue;
    }

    public ReadOnlySpan<byte> Keyword { get; }

    public ReadOnlySpan<byte> Value { get; }

    public bool HasValue { get; }
}
