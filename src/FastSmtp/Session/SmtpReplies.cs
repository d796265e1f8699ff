namespace FastSmtp.Session;

/// <summary>
/// The session's fixed replies, as UTF-8 literals compiled into the binary. The texts clients,
/// operators and tests match on keep their wording after the enhanced status code.
/// </summary>
internal static class SmtpReplies
{
    public static ReadOnlySpan<byte> Ok => "250 2.0.0 Ok\r\n"u8;
    public static ReadOnlySpan<byte> MailOk => "250 2.1.0 Ok\r\n"u8;
    public static ReadOnlySpan<byte> RcptOk => "250 2.1.5 Ok\r\n"u8;
    public static ReadOnlySpan<byte> StartData => "354 End data with <CR><LF>.<CR><LF>\r\n"u8;
    public static ReadOnlySpan<byte> Bye => "221 2.0.0 Bye\r\n"u8;
    public static ReadOnlySpan<byte> ReadyToStartTls => "220 2.0.0 Ready to start TLS\r\n"u8;
    public static ReadOnlySpan<byte> Help => "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY EXPN HELP STARTTLS AUTH\r\n"u8;

    // Fixed texts: clients, operators and tests match on them.
    public static ReadOnlySpan<byte> LineTooLong => "500 5.5.2 line too long\r\n"u8;
    public static ReadOnlySpan<byte> MessageTooBig => "552 5.3.4 message size exceeds limit\r\n"u8;
    public static ReadOnlySpan<byte> TooManyRecipients => "452 4.5.3 too many recipients\r\n"u8;

    public static ReadOnlySpan<byte> BareLineFeedInCommand => "500 5.5.2 Error: command line must end with <CR><LF>\r\n"u8;
    public static ReadOnlySpan<byte> NulInMessage => "550 5.6.0 message refused: NUL in message content\r\n"u8;
    public static ReadOnlySpan<byte> BareLineEndingInMessage => "550 5.6.0 message refused: bare <CR> or <LF> in message content\r\n"u8;
    public static ReadOnlySpan<byte> UnknownCommand => "500 5.5.2 Error: command not recognized\r\n"u8;
    public static ReadOnlySpan<byte> NotImplemented => "502 5.5.1 Error: command not implemented\r\n"u8;
    public static ReadOnlySpan<byte> TlsAlreadyActive => "503 5.5.1 Error: TLS already active\r\n"u8;

    public static ReadOnlySpan<byte> SendHeloFirst => "503 5.5.1 Error: send HELO/EHLO first\r\n"u8;
    public static ReadOnlySpan<byte> NestedMail => "503 5.5.1 Error: nested MAIL command\r\n"u8;
    public static ReadOnlySpan<byte> NeedMail => "503 5.5.1 Error: need MAIL command\r\n"u8;
    public static ReadOnlySpan<byte> NeedRcpt => "503 5.5.1 Error: need RCPT command\r\n"u8;
    public static ReadOnlySpan<byte> NoValidRecipients => "554 5.5.1 Error: no valid recipients\r\n"u8;
    public static ReadOnlySpan<byte> DataAfterBdat => "503 5.5.1 Error: DATA cannot follow BDAT in one transaction\r\n"u8;

    public static ReadOnlySpan<byte> HeloSyntax => "501 5.5.4 Syntax: HELO hostname\r\n"u8;
    public static ReadOnlySpan<byte> EhloSyntax => "501 5.5.4 Syntax: EHLO hostname\r\n"u8;
    public static ReadOnlySpan<byte> MailSyntax => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"u8;
    public static ReadOnlySpan<byte> RcptSyntax => "501 5.5.4 Syntax: RCPT TO:<address>\r\n"u8;
    public static ReadOnlySpan<byte> DataSyntax => "501 5.5.4 Syntax: DATA\r\n"u8;
    public static ReadOnlySpan<byte> BdatSyntax => "501 5.5.4 Syntax: BDAT chunk-size [LAST]\r\n"u8;
    public static ReadOnlySpan<byte> RsetSyntax => "501 5.5.4 Syntax: RSET\r\n"u8;
    public static ReadOnlySpan<byte> QuitSyntax => "501 5.5.4 Syntax: QUIT\r\n"u8;
    public static ReadOnlySpan<byte> VrfySyntax => "501 5.5.4 Syntax: VRFY address\r\n"u8;
    public static ReadOnlySpan<byte> ExpnSyntax => "501 5.5.4 Syntax: EXPN list\r\n"u8;
    public static ReadOnlySpan<byte> StartTlsSyntax => "501 5.5.4 Syntax: STARTTLS\r\n"u8;
    public static ReadOnlySpan<byte> BadSender => "501 5.1.7 Bad sender address syntax\r\n"u8;
    public static ReadOnlySpan<byte> BadRecipient => "501 5.1.3 Bad recipient address syntax\r\n"u8;
    public static ReadOnlySpan<byte> NeedsSmtpUtf8 => "553 5.6.7 Error: non-ASCII address needs the SMTPUTF8 parameter\r\n"u8;
    public static ReadOnlySpan<byte> UnsupportedParameter => "555 5.5.4 Error: unsupported MAIL/RCPT parameter\r\n"u8;
    public static ReadOnlySpan<byte> BadParameterValue => "501 5.5.4 Error: bad MAIL/RCPT parameter value\r\n"u8;

    public static ReadOnlySpan<byte> StorageError => "451 4.3.0 Error: queue file write error\r\n"u8;
    public static ReadOnlySpan<byte> InsufficientStorage => "452 4.3.1 Error: insufficient system storage\r\n"u8;
}
