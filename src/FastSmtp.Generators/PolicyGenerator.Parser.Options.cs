using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;

namespace FastSmtp.Generators;

public sealed partial class PolicyGenerator
{
    internal static partial class Parser
    {
        public static PolicyOptionsModel ParseOptions(PolicyFileText? file, CancellationToken cancellationToken)
        {
            var values = SmtpConfOptions.All.ToDictionary(o => o.Key, o => new PolicyOptionValue(o.Key, o.Default, 0), StringComparer.Ordinal);
            var diagnostics = new List<DiagnosticInfo>();
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                int equals = line.Text.IndexOf('=');
                if (equals <= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedOptionLine, line, line.Indent, line.Text.Length, line.Text));
                    continue;
                }

                string key = ToLowerAscii(line.Text.Substring(0, equals).Trim());
                string rawValue = line.Text.Substring(equals + 1).Trim();
                int valueColumn = line.Indent + line.Text.IndexOf(rawValue, equals + 1, StringComparison.Ordinal);
                if (!values.TryGetValue(key, out PolicyOptionValue? current))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownOption, line, line.Indent, key.Length, key, SmtpConfOptions.KeyList));
                    continue;
                }

                if (current.Line != 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateEntry, line, line.Indent, key.Length, key, current.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    continue;
                }

                if (!TryNormalizeOption(SmtpConfOptions.All.First(o => o.Key == key).Kind, rawValue, out string value, out string expected))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadOptionValue, line, valueColumn, Math.Max(rawValue.Length, 1), key, rawValue, expected));
                    continue;
                }

                values[key] = new PolicyOptionValue(key, value, line.Number);
            }

            return new PolicyOptionsModel(
                new EquatableArray<PolicyOptionValue>(SmtpConfOptions.All.Select(o => values[o.Key])),
                new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        private static bool TryNormalizeOption(SmtpConfOptionKind kind, string raw, out string value, out string expected)
        {
            value = ToLowerAscii(raw);
            switch (kind)
            {
                case SmtpConfOptionKind.RelayMode:
                    expected = string.Join(", ", SmtpConfOptions.RelayModes);
                    return Array.IndexOf(SmtpConfOptions.RelayModes, value) >= 0;
                case SmtpConfOptionKind.ZoneList:
                    expected = "DNS zone names separated by commas (for example zen.spamhaus.org, bl.example.net)";
                    var zones = new List<string>();
                    foreach (string part in value.Split(','))
                    {
                        string zone = part.Trim();
                        if (zone.Length == 0 || !IsValidHostName(zone))
                        {
                            return value.Length == 0;
                        }

                        zones.Add(zone);
                    }

                    value = string.Join(",", zones);
                    return true;
                default:
                    expected = "yes or no";
                    return value is "yes" or "no";
            }
        }
    }
}
