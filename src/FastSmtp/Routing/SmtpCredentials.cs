namespace FastSmtp.Routing;

/// <summary>
/// A user name and password for AUTH to the smarthost, read from the file `--smarthost-auth`
/// names (one line, "user:password"). Its text form never shows the password, so no log line
/// or exception message can carry it.
/// </summary>
public sealed class SmtpCredentials(string user, string password)
{
    public string User { get; } = user;

    public string Password { get; } = password;

    /// <summary>The file's first line, "user:password" (the password may hold colons); null when it has none.</summary>
    public static SmtpCredentials? Parse(string text)
    {
        string line = text.Split('\n', 2)[0].TrimEnd('\r');
        int colon = line.IndexOf(':');
        return colon > 0 && colon < line.Length - 1 ? new SmtpCredentials(line[..colon], line[(colon + 1)..]) : null;
    }

    public override string ToString() => User + ":(password hidden)";
}
