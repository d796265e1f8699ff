namespace FastSmtp.Protocol;

/// <summary>Each verb as a client sends it (upper case), made once, so naming one never allocates.</summary>
public static class SmtpVerbNames
{
    private static readonly string[] Names = [.. Enum.GetValues<SmtpVerb>().Select(verb => verb == SmtpVerb.Unknown ? "UNKNOWN" : verb.ToString().ToUpperInvariant())];

    public static string Of(SmtpVerb verb) => (uint)verb < (uint)Names.Length ? Names[(int)verb] : "UNKNOWN";
}
