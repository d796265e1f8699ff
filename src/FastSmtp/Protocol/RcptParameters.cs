namespace FastSmtp.Protocol;

/// <summary>RCPT TO's ESMTP parameters (RFC 3461 NOTIFY and ORCPT), as read.</summary>
public readonly ref struct RcptParameters
{
    public RecipientNotify Notify { get; init; }

    /// <summary>ORCPT's addr-type ";" xtext, as received; empty when not given.</summary>
    public ReadOnlySpan<byte> OriginalRecipient { get; init; }
}
