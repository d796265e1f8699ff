using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FastSmtp.Delivery;
using FastSmtp.Session;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using SessionOptions = FastSmtp.Session.SessionOptions;

namespace FastSmtp.Hosting;

/// <summary>
/// `config show`: every setting's effective value and where it came from (the command line, the
/// environment, a settings file, or the default), as `postconf` shows Postfix's.
/// </summary>
internal static class ConfigCommands
{
    public static int Show(string[] arguments, TextWriter output, TextWriter error)
    {
        WebApplicationBuilder builder;
        try
        {
            builder = Program.CreateBuilder(arguments);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException exception)
        {
            error.WriteLine("config show: " + string.Join("; ", exception.Failures));
            return 2;
        }

        IConfigurationProvider[] providers = [.. ((IConfigurationRoot)builder.Configuration).Providers.Reverse()];
        int width = CommandLineSwitches.All.Max(s => s.Name.Length) + 2;
        foreach (CommandLineSwitch setting in CommandLineSwitches.All)
        {
            IConfigurationProvider? source = Array.Find(providers, p => p.TryGet(setting.Key, out _));
            string? value = source is not null && source.TryGet(setting.Key, out string? set) ? set : DefaultOf(setting.Key);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{setting.Name.PadRight(width)}{(string.IsNullOrEmpty(value) ? "(none)" : value)}\t({Describe(source, setting)})"));
        }

        return 0;
    }

    /// <summary>A setting's default, as its option type starts out; null when it has none.</summary>
    public static string? DefaultOf(string key)
    {
        string property = key[(key.IndexOf(':') + 1)..];
        return DefaultOf<SmtpServerOptions>(property) ?? DefaultOf<SessionOptions>(property) ?? DefaultOf<DeliveryOptions>(property);
    }

    private static string? DefaultOf<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(string property)
        where T : new() =>
        typeof(T).GetProperty(property)?.GetValue(new T()) switch
        {
            null => null,
            bool flag => flag ? "true" : "false",
            { } value => Convert.ToString(value, CultureInfo.InvariantCulture),
        };

    private static string Describe(IConfigurationProvider? provider, CommandLineSwitch setting) => provider switch
    {
        null => "default",
        CommandLineConfigurationProvider => "command line",
        JsonConfigurationProvider json => "file " + (json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? string.Empty).PhysicalPath ?? json.Source.Path),
        EnvironmentVariablesConfigurationProvider => "environment",
        _ when provider.GetType().DeclaringType == typeof(FastSmtpEnvironmentVariablesSource) => "environment " + FastSmtpEnvironmentVariablesSource.Prefix + setting.Name[2..].ToUpperInvariant().Replace('-', '_'),
        _ => provider.ToString() ?? "unknown",
    };
}
