using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;

namespace FastSmtp.Generators;

public sealed partial class PolicyGenerator
{
    internal static partial class Parser
    {
        /// <summary>relay.txt or deny.txt: "IP", "IP MASK" or "IP/PREFIX", IPv4 and IPv6.</summary>
        public static AddressRangesModel ParseRanges(string fileName, PolicyFileText? file, CancellationToken cancellationToken)
        {
            var ranges = new List<AddressRange>();
            var diagnostics = new List<DiagnosticInfo>();
            var seen = new Dictionary<AddressRange, int>();
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                List<(int Column, string Token)> tokens = Tokens(line).ToList();
                AddressRange? range = tokens.Count switch
                {
                    1 => ParseRange(line, tokens[0].Token, tokens[0].Column, mask: null, diagnostics),
                    2 => ParseRange(line, tokens[0].Token, tokens[0].Column, tokens[1], diagnostics),
                    _ => null,
                };
                if (tokens.Count > 2)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddressRange, line, line.Indent, line.Text.Length, line.Text));
                }

                if (range is null)
                {
                    continue;
                }

                AddressRange key = range with { Line = 0 };
                if (seen.TryGetValue(key, out int firstLine))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateEntry, line, line.Indent, line.Text.Length, line.Text, firstLine.ToString(CultureInfo.InvariantCulture)));
                    continue;
                }

                seen.Add(key, line.Number);
                ranges.Add(range);
            }

            return new AddressRangesModel(fileName, new EquatableArray<AddressRange>(ranges), new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        private static AddressRange? ParseRange(PolicyLine line, string text, int column, (int Column, string Token)? mask, List<DiagnosticInfo> diagnostics)
        {
            string addressText = text;
            int? prefix = null;
            int slash = text.IndexOf('/');
            if (slash >= 0)
            {
                addressText = text.Substring(0, slash);
                if (mask is not null || !int.TryParse(text.Substring(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int bits))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddressRange, line, column, text.Length, text));
                    return null;
                }

                prefix = bits;
            }

            if (!TryParseIp(addressText, out IPAddress? address))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddressRange, line, column, text.Length, text));
                return null;
            }

            bool v6 = address!.AddressFamily == AddressFamily.InterNetworkV6;
            int width = v6 ? 128 : 32;
            if (mask is { } m)
            {
                if (!TryParseIp(m.Token, out IPAddress? maskAddress) || maskAddress!.AddressFamily != address.AddressFamily)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddressRange, line, m.Column, m.Token.Length, m.Token));
                    return null;
                }

                prefix = ContiguousPrefix(maskAddress.GetAddressBytes());
                if (prefix is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonContiguousMask, line, m.Column, m.Token.Length, m.Token));
                    return null;
                }
            }

            int length = prefix ?? width;
            if (length > width)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddressRange, line, column, text.Length, text));
                return null;
            }

            (ulong high, ulong low) = ToUInt128(address.GetAddressBytes());
            (ulong maskHigh, ulong maskLow) = PrefixMask(length, width);
            ulong startHigh = high & maskHigh, startLow = low & maskLow;
            ulong endHigh = startHigh | ~maskHigh, endLow = startLow | ~maskLow;
            if (!v6)
            {
                endHigh = 0;
                endLow &= uint.MaxValue;
            }

            return new AddressRange(v6, startHigh, startLow, endHigh, endLow, line.Number);
        }

        /// <summary>An IP address as text; IPv4-mapped IPv6 counts as IPv4 (as the server sees clients).</summary>
        public static bool TryParseIp(string text, out IPAddress? address)
        {
            address = null;
            if (text.Length == 0 || !(text.IndexOf(':') >= 0 || text.Count(c => c == '.') == 3) || !IPAddress.TryParse(text, out IPAddress? parsed) || text.IndexOf('%') >= 0)
            {
                return false;
            }

            address = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
            return true;
        }

        private static int? ContiguousPrefix(byte[] mask)
        {
            int bits = 0;
            bool zeroSeen = false;
            foreach (byte b in mask)
            {
                for (int bit = 7; bit >= 0; bit--)
                {
                    bool one = (b & (1 << bit)) != 0;
                    if (one && zeroSeen)
                    {
                        return null;
                    }

                    zeroSeen |= !one;
                    bits += one ? 1 : 0;
                }
            }

            return bits;
        }

        private static (ulong High, ulong Low) ToUInt128(byte[] bytes)
        {
            ulong high = 0, low = 0;
            if (bytes.Length == 4)
            {
                low = (ulong)bytes[0] << 24 | (ulong)bytes[1] << 16 | (ulong)bytes[2] << 8 | bytes[3];
                return (0, low);
            }

            for (int i = 0; i < 8; i++)
            {
                high = high << 8 | bytes[i];
                low = low << 8 | bytes[i + 8];
            }

            return (high, low);
        }

        private static (ulong High, ulong Low) PrefixMask(int length, int width)
        {
            if (width == 32)
            {
                return (0, length == 0 ? 0 : (ulong)(uint.MaxValue << (32 - length)));
            }

            ulong high = length == 0 ? 0 : length >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - length);
            ulong low = length <= 64 ? 0 : length == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - length);
            return (high, low);
        }

        /// <summary>accept.txt: one IP address, host name or user@host per line, matched exactly.</summary>
        public static KeyListModel ParseAccept(PolicyFileText? file, CancellationToken cancellationToken)
        {
            var entries = new List<KeyedEntry>();
            var diagnostics = new List<DiagnosticInfo>();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string text = line.Text;
                string? key = null;
                if (text.IndexOfAny([' ', '\t']) < 0)
                {
                    if (TryParseIp(text, out IPAddress? ip))
                    {
                        key = ip!.ToString();
                    }
                    else if (text.IndexOf('@') >= 0)
                    {
                        key = TryParseAddress(text, out string local, out string host) ? local + "@" + host : null;
                    }
                    else
                    {
                        key = TryNormalizeHost(text, out string host) ? host : null;
                    }
                }

                if (key is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAcceptEntry, line, line.Indent, text.Length, text));
                }
                else
                {
                    AddUnique(entries, seen, diagnostics, line, new KeyedEntry(key, string.Empty, line.Number), key);
                }
            }

            return new KeyListModel(new EquatableArray<KeyedEntry>(entries), EquatableArray<KeyedEntry>.Empty, new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>
        /// transport.txt: "DOMAIN NEXT-HOP", DOMAIN exact or ".DOMAIN" for every subdomain;
        /// NEXT-HOP is HOST:PORT (an IPv6 address in brackets), "mx" (by MX records, past a
        /// smarthost) or "local" (into the Maildir). Stored as the normalised next hop.
        /// </summary>
        public static KeyListModel ParseTransport(PolicyFileText? file, CancellationToken cancellationToken)
        {
            var entries = new List<KeyedEntry>();
            var diagnostics = new List<DiagnosticInfo>();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string text = line.Text;
                string[] fields = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                string? domain = null;
                string? nextHop = null;
                if (fields.Length == 2)
                {
                    bool subdomains = fields[0].StartsWith(".", StringComparison.Ordinal);
                    domain = TryNormalizeHost(subdomains ? fields[0].Substring(1) : fields[0], out string host) ? (subdomains ? "." : string.Empty) + host : null;
                    nextHop = NormalizeNextHop(fields[1]);
                }

                if (domain is null || nextHop is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTransportEntry, line, line.Indent, text.Length, text));
                }
                else
                {
                    AddUnique(entries, seen, diagnostics, line, new KeyedEntry(domain, nextHop, line.Number), domain);
                }
            }

            return new KeyListModel(new EquatableArray<KeyedEntry>(entries), EquatableArray<KeyedEntry>.Empty, new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>"mx", "local", "host:port" (lower case) or "[ipv6]:port"; null when it is none of them.</summary>
        private static string? NormalizeNextHop(string text)
        {
            string lower = text.ToLowerInvariant();
            if (lower is "mx" or "local")
            {
                return lower;
            }

            int colon = lower.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(lower.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                return null;
            }

            string host = lower.Substring(0, colon);
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal))
            {
                return IPAddress.TryParse(host.Substring(1, host.Length - 2), out IPAddress? v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                    ? "[" + v6 + "]:" + port.ToString(CultureInfo.InvariantCulture)
                    : null;
            }

            if (IPAddress.TryParse(host, out IPAddress? v4))
            {
                return v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? v4 + ":" + port.ToString(CultureInfo.InvariantCulture) : null;
            }

            return TryNormalizeHost(host, out string name) ? name + ":" + port.ToString(CultureInfo.InvariantCulture) : null;
        }

        /// <summary>kill.lst: user@host and @host match exactly; @*suffix is a plain string suffix of the domain.</summary>
        public static KeyListModel ParseKill(PolicyFileText? file, CancellationToken cancellationToken)
        {
            var exact = new List<KeyedEntry>();
            var suffixes = new List<KeyedEntry>();
            var diagnostics = new List<DiagnosticInfo>();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string text = line.Text;
                if (text.StartsWith("@*", StringComparison.Ordinal))
                {
                    string suffix = text.Substring(2);
                    string trimmed = suffix.TrimStart('.');
                    if (trimmed.Length > 0 && TryNormalizeHost(trimmed, out string host))
                    {
                        string key = suffix.Substring(0, suffix.Length - trimmed.Length) + host;
                        AddUnique(suffixes, seen, diagnostics, line, new KeyedEntry(key, string.Empty, line.Number), "*" + key);
                        continue;
                    }
                }
                else if (text.StartsWith("@", StringComparison.Ordinal))
                {
                    if (TryNormalizeHost(text.Substring(1), out string host))
                    {
                        AddUnique(exact, seen, diagnostics, line, new KeyedEntry("@" + host, string.Empty, line.Number), "@" + host);
                        continue;
                    }
                }
                else if (TryParseAddress(text, out string local, out string host))
                {
                    AddUnique(exact, seen, diagnostics, line, new KeyedEntry(local + "@" + host, string.Empty, line.Number), local + "@" + host);
                    continue;
                }

                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKillEntry, line, line.Indent, text.Length, text));
            }

            return new KeyListModel(new EquatableArray<KeyedEntry>(exact), new EquatableArray<KeyedEntry>(suffixes), new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>Adds an entry unless <paramref name="seenKey"/> was seen before, which is a duplicate warning.</summary>
        private static void AddUnique(List<KeyedEntry> entries, Dictionary<string, int> seen, List<DiagnosticInfo> diagnostics, PolicyLine line, KeyedEntry entry, string seenKey)
        {
            if (seen.TryGetValue(seenKey, out int first))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateEntry, line, line.Indent, line.Text.Length, line.Text, first.ToString(CultureInfo.InvariantCulture)));
                return;
            }

            seen.Add(seenKey, line.Number);
            entries.Add(entry);
        }

        /// <summary>tests.txt: "CLIENT-IP SENDER RECIPIENT [auth=user@host] => accept|CODE".</summary>
        public static PolicyTestsModel ParseTests(PolicyFileText? file, CancellationToken cancellationToken)
        {
            var cases = new List<PolicyTestCase>();
            var diagnostics = new List<DiagnosticInfo>();
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                List<(int Column, string Token)> tokens = Tokens(line).ToList();
                int arrow = tokens.FindIndex(t => t.Token == "=>");
                string? problem = null;
                (int Column, string Token) culprit = tokens[0];
                if (arrow < 0 || arrow != tokens.Count - 2)
                {
                    problem = "no '=> EXPECT' at the end";
                    culprit = tokens[tokens.Count - 1];
                }
                else if (arrow is not (3 or 4) || (arrow == 4 && !tokens[3].Token.StartsWith("auth=", StringComparison.Ordinal)))
                {
                    problem = arrow == 4 ? $"'{tokens[3].Token}' is not auth=user@host" : "wrong number of fields";
                    culprit = arrow == 4 ? tokens[3] : tokens[Math.Min(arrow, tokens.Count - 1)];
                }
                else if (!TryParseIp(tokens[0].Token, out _))
                {
                    problem = $"'{tokens[0].Token}' is not an IP address";
                }
                // The sender and recipient are read by the server's own MAIL and RCPT parser when
                // tests.txt runs (`policy check`), so every form a client may send can be tested.
                else if (arrow == 4 && !TryParseAddress(tokens[3].Token.Substring(5), out _, out _))
                {
                    problem = $"'{tokens[3].Token}' is not auth=user@host";
                    culprit = tokens[3];
                }
                else if (tokens[arrow + 1].Token != "accept" && !(tokens[arrow + 1].Token.Length == 3 && tokens[arrow + 1].Token.All(char.IsDigit) && tokens[arrow + 1].Token[0] is '2' or '4' or '5'))
                {
                    problem = $"'{tokens[arrow + 1].Token}' is not 'accept' or a reply code";
                    culprit = tokens[arrow + 1];
                }

                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MalformedTest, line, culprit.Column, culprit.Token.Length, problem));
                    continue;
                }

                cases.Add(new PolicyTestCase(
                    tokens[0].Token,
                    tokens[1].Token,
                    tokens[2].Token,
                    arrow == 4 ? tokens[3].Token.Substring(5) : null,
                    tokens[arrow + 1].Token,
                    line.Number,
                    tokens[arrow + 1].Column + 1));
            }

            return new PolicyTestsModel(file?.FilePath ?? string.Empty, new EquatableArray<PolicyTestCase>(cases), new EquatableArray<DiagnosticInfo>(diagnostics));
        }
    }
}
