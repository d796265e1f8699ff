using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;

namespace FastSmtp.Generators;

public sealed partial class PolicyGenerator
{
    internal static partial class Parser
    {
        /// <summary>users.txt: "user@host HASH".</summary>
        public static AddressListModel ParseUsers(PolicyFileText? file, CancellationToken cancellationToken)
        {
            var users = new List<UserEntry>();
            var diagnostics = new List<DiagnosticInfo>();
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                List<(int Column, string Token)> tokens = Tokens(line).ToList();
                if (!TryParseAddress(tokens[0].Token, out string local, out string host))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddress, line, tokens[0].Column, tokens[0].Token.Length, tokens[0].Token));
                    continue;
                }

                // Anything but exactly one well-formed hash (or '-') is refused, so a password
                // typed in clear text can never reach the binary.
                if (tokens.Count != 2 || !IsPasswordHash(tokens[1].Token))
                {
                    int column = tokens.Count > 1 ? tokens[1].Column : tokens[0].Column + tokens[0].Token.Length;
                    int length = tokens.Count > 1 ? tokens[tokens.Count - 1].Column + tokens[tokens.Count - 1].Token.Length - column : 1;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadPasswordHash, line, column, length));
                    continue;
                }

                int hostColumn = tokens[0].Column + tokens[0].Token.LastIndexOf('@') + 1;
                users.Add(new UserEntry(local, host, tokens[1].Token, line.At(hostColumn, tokens[0].Token.Length - (hostColumn - tokens[0].Column))));
            }

            return new AddressListModel(new EquatableArray<UserEntry>(users), EquatableArray<AliasEntry>.Empty, new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>aliases.txt ("alias@host: target") or groups.txt ("group@host: member, member").</summary>
        public static AddressListModel ParseAliases(PolicyFileText? file, bool groups, CancellationToken cancellationToken)
        {
            var aliases = new List<AliasEntry>();
            var diagnostics = new List<DiagnosticInfo>();
            foreach (PolicyLine line in file is null ? [] : ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                int colon = line.Text.IndexOf(':');
                string name = (colon < 0 ? line.Text : line.Text.Substring(0, colon)).Trim();
                if (!TryParseAddress(name, out string local, out string host))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddress, line, line.Indent, Math.Max(name.Length, 1), name));
                    continue;
                }

                var targets = new List<string>();
                bool valid = colon > 0;
                string rest = colon < 0 ? string.Empty : line.Text.Substring(colon + 1);
                int segmentStart = colon + 1;
                foreach (string raw in rest.Split(','))
                {
                    string member = raw.Trim();
                    int leading = raw.Length - raw.TrimStart().Length;
                    int column = line.Indent + segmentStart + (member.Length == 0 ? 0 : leading);
                    segmentStart += raw.Length + 1;
                    if (!TryParseAddress(member, out string targetLocal, out string targetHost))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddress, line, column, Math.Max(member.Length, 1), member));
                        valid = false;
                        continue;
                    }

                    targets.Add(targetLocal + "@" + targetHost);
                }

                if (valid && !groups && targets.Count != 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAddress, line, line.Indent + colon + 1, line.Text.Length - colon - 1, rest.Trim()));
                    valid = false;
                }

                if (valid)
                {
                    int hostColumn = line.Indent + name.LastIndexOf('@') + 1;
                    aliases.Add(new AliasEntry(local, host, new EquatableArray<string>(targets), line.At(hostColumn, name.Length - name.LastIndexOf('@') - 1)));
                }
            }

            return new AddressListModel(EquatableArray<UserEntry>.Empty, new EquatableArray<AliasEntry>(aliases), new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>
        /// Resolves users, aliases and groups against hosts.txt: every local name is keyed by
        /// "local@canonical-host"; a name used twice and an alias loop are errors.
        /// </summary>
        public static LocalRecipientsModel ResolveRecipients(HostsModel hosts, AddressListModel users, AddressListModel aliases, AddressListModel groups, CancellationToken cancellationToken)
        {
            var canonical = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (HostEntry host in hosts.Hosts)
            {
                canonical[host.Name] = host.Name;
                foreach (string alias in host.Aliases)
                {
                    canonical[alias] = host.Name;
                }
            }

            var diagnostics = new List<DiagnosticInfo>();
            var owners = new Dictionary<string, (string Kind, string File, int Line)>(StringComparer.Ordinal);
            var userEntries = new List<KeyedEntry>();
            var aliasEntries = new List<KeyedEntry>();
            var groupEntries = new List<KeyedEntry>();

            bool TryKey(string local, string host, PolicyLocation location, string kind, out string key)
            {
                key = string.Empty;
                if (!canonical.TryGetValue(host, out string? canonicalHost))
                {
                    diagnostics.Add(DiagnosticInfo.At(DiagnosticDescriptors.HostNotLocal, location, host));
                    return false;
                }

                key = local + "@" + canonicalHost;
                string file = System.IO.Path.GetFileName(location.FilePath);
                if (owners.TryGetValue(key, out var owner))
                {
                    diagnostics.Add(owner.Kind == kind && owner.File == file
                        ? DiagnosticInfo.At(DiagnosticDescriptors.DuplicateEntry, location, key, owner.Line.ToString(CultureInfo.InvariantCulture))
                        : DiagnosticInfo.At(DiagnosticDescriptors.NameConflict, location, key, owner.Kind, owner.File, owner.Line.ToString(CultureInfo.InvariantCulture)));
                    return false;
                }

                owners.Add(key, (kind, file, location.Line));
                return true;
            }

            foreach (UserEntry user in users.Users)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryKey(user.LocalPart, user.Host, user.Location, "user", out string key))
                {
                    userEntries.Add(new KeyedEntry(key, user.Hash == "-" ? string.Empty : user.Hash, user.Location.Line));
                }
            }

            var targetsByKey = new Dictionary<string, (IReadOnlyList<string> Targets, PolicyLocation Location)>(StringComparer.Ordinal);
            foreach ((AddressListModel model, List<KeyedEntry> entries, string kind) in new[] { (aliases, aliasEntries, "alias"), (groups, groupEntries, "group") })
            {
                foreach (AliasEntry alias in model.Aliases)
                {
                    if (!TryKey(alias.LocalPart, alias.Host, alias.Location, kind, out string key))
                    {
                        continue;
                    }

                    // Targets on a local host are stored under the host's canonical name, so
                    // delivery and loop detection see one name per mailbox.
                    List<string> targets = alias.Targets.Select(t => CanonicalAddress(t, canonical)).ToList();
                    entries.Add(new KeyedEntry(key, string.Join(",", targets), alias.Location.Line));
                    targetsByKey[key] = (targets, alias.Location);
                }
            }

            ReportCycles(targetsByKey, diagnostics);
            return new LocalRecipientsModel(
                new EquatableArray<KeyedEntry>(userEntries),
                new EquatableArray<KeyedEntry>(aliasEntries),
                new EquatableArray<KeyedEntry>(groupEntries),
                new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        private static string CanonicalAddress(string address, Dictionary<string, string> canonical)
        {
            int at = address.LastIndexOf('@');
            return canonical.TryGetValue(address.Substring(at + 1), out string? host) ? address.Substring(0, at + 1) + host : address;
        }

        /// <summary>An alias or group that reaches itself through other aliases or groups can never be delivered.</summary>
        private static void ReportCycles(Dictionary<string, (IReadOnlyList<string> Targets, PolicyLocation Location)> graph, List<DiagnosticInfo> diagnostics)
        {
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (string start in graph.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                // One diagnostic per loop, at its first member in sorted order.
                var path = new List<string> { start };
                if (!reported.Contains(start) && FindPathBack(start, start, graph, path, new HashSet<string>(StringComparer.Ordinal)))
                {
                    reported.UnionWith(path);
                    diagnostics.Add(DiagnosticInfo.At(DiagnosticDescriptors.AliasCycle, graph[start].Location, start, string.Join(" -> ", path)));
                }
            }
        }

        private static bool FindPathBack(string start, string current, Dictionary<string, (IReadOnlyList<string> Targets, PolicyLocation Location)> graph, List<string> path, HashSet<string> visited)
        {
            foreach (string target in graph[current].Targets)
            {
                if (target == start)
                {
                    path.Add(target);
                    return true;
                }

                if (graph.ContainsKey(target) && visited.Add(target))
                {
                    path.Add(target);
                    if (FindPathBack(start, target, graph, path, visited))
                    {
                        return true;
                    }

                    path.RemoveAt(path.Count - 1);
                }
            }

            return false;
        }

        /// <summary>pbkdf2-sha256:ITERATIONS:SALT_B64:HASH_B64, or '-'.</summary>
        public static bool IsPasswordHash(string text)
        {
            if (text == "-")
            {
                return true;
            }

            string[] parts = text.Split(':');
            return parts.Length == 4
                && parts[0] == "pbkdf2-sha256"
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) && iterations >= 1000
                && IsBase64(parts[2], minimumBytes: 8)
                && IsBase64(parts[3], minimumBytes: 16);
        }

        private static bool IsBase64(string text, int minimumBytes)
        {
            try
            {
                return Convert.FromBase64String(text).Length >= minimumBytes;
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }
}
