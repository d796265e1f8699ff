using Microsoft.Extensions.Options;

namespace FastSmtp.Hosting;

/// <summary>
/// The arguments of the commands that work on a server's spool (`queue list`, `queue flush`,
/// `policy reload`): --spool DIR, else the spool the server's settings name (--config FILE,
/// FASTSMTP_SPOOL, appsettings.json), else the default; and, where allowed, --policy FILE.
/// </summary>
internal static class SpoolArguments
{
    /// <summary>False (usage or the problem written, exit 2) when an argument is not one of these.</summary>
    public static bool TryRead(string[] arguments, bool allowPolicy, string usage, TextWriter error, out string spool, out string? policyFile)
    {
        spool = string.Empty;
        policyFile = null;
        string? explicitSpool = null;
        string? configFile = null;
        for (int i = 0; i < arguments.Length; i++)
        {
            switch (arguments[i])
            {
                case "--spool" when i + 1 < arguments.Length:
                    explicitSpool = arguments[++i];
                    break;
                case CommandLineSwitches.ConfigFile when i + 1 < arguments.Length:
                    configFile = arguments[++i];
                    break;
                case "--policy" when allowPolicy && i + 1 < arguments.Length:
                    policyFile = Path.GetFullPath(arguments[++i]);
                    break;
                default:
                    error.WriteLine(usage);
                    return false;
            }
        }

        if (explicitSpool is not null)
        {
            spool = explicitSpool;
            return true;
        }

        try
        {
            spool = Program.CreateBuilder(configFile is null ? [] : [CommandLineSwitches.ConfigFile, configFile])
                .Configuration[$"{SmtpServerOptions.SectionName}:{nameof(SmtpServerOptions.Spool)}"] ?? new SmtpServerOptions().Spool;
            return true;
        }
        catch (OptionsValidationException exception)
        {
            error.WriteLine("fastsmtp: " + string.Join("; ", exception.Failures));
            return false;
        }
    }
}
