namespace FastSmtp.Queue;

/// <summary>The Received header's "with" protocol (RFC 3848).</summary>
public enum MessageProtocol : byte
{
    Smtp,
    Esmtp,
    Esmtps,
    Esmtpa,
    Esmtpsa,
}
