using Microsoft.Extensions.Configuration;

namespace FastSmtp.Hosting;

/// <summary>
/// FASTSMTP_MAX_MESSAGE_SIZE=... sets FastSmtp:MaxMessageSize: the flag's name in upper case with
/// underscores, as operators write environment variables (configuration keys are case-insensitive,
/// so dropping the underscores is enough to meet the option's name).
/// </summary>
internal sealed class FastSmtpEnvironmentVariablesSource : IConfigurationSource
{
    public const string Prefix = "FASTSMTP_";

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider();

    private sealed class Provider : ConfigurationProvider
    {
        public override void Load()
        {
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                string name = (string)entry.Key;
                if (name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && name.Length > Prefix.Length)
                {
                    data[SmtpServerOptions.SectionName + ":" + name[Prefix.Length..].Replace("_", string.Empty, StringComparison.Ordinal)] = (string?)entry.Value;
                }
            }

            Data = data;
        }
    }
}
