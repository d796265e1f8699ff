using FastSmtp.Protocol;

namespace FastSmtp.Queue;

/// <summary>One accepted recipient with its DSN parameters (RFC 3461).</summary>
public readonly record struct SpoolRecipient(string Address, RecipientNotify Notify, string? OriginalRecipient);
