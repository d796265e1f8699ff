namespace FastSmtp.Testing;

/// <summary>Where a complete SMTP reply ends in received text (RFC 5321 4.2.1), for test clients.</summary>
internal static class SmtpReplyFraming
{
    /// <summary>The index just past the reply's last line (the first whose fourth character is a space), or -1.</summary>
    public static int FindReplyEnd(string text)
    {
        int start = 0;
        while (true)
        {
            int newline = text.IndexOf("\r\n", start, StringComparison.Ordinal);
            if (newline < 0)
            {
                return -1;
            }

            if (newline - start < 4 || text[start + 3] == ' ')
            {
                return newline + 2;
            }

            start = newline + 2;
        }
    }
}
