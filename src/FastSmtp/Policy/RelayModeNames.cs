namespace FastSmtp.Policy;

/// <summary>A relay mode as smtp.conf writes it.</summary>
public static class RelayModeNames
{
    /// <summary>The member's words in lower case, joined by '-' (LocalHosts → local-hosts): the generator maps them back the same way.</summary>
    public static string ConfigValue(this RelayMode mode)
    {
        string name = mode.ToString();
        var value = new System.Text.StringBuilder(name.Length + 4);
        foreach (char c in name)
        {
            if (char.IsAsciiLetterUpper(c) && value.Length > 0)
            {
                value.Append('-');
            }

            value.Append(char.ToLowerInvariant(c));
        }

        return value.ToString();
    }
}
