using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;

namespace FastSmtp.Generators;

public sealed partial class PolicyGenerator
{
    /// <summary>Policy text to models, with diagnostics that name file, line and column.</summary>
    internal static partial class Parser
    {
        public static string NormalizeDirectory(string directory)
        {
            string full = Path.GetFullPath(directory.Trim());
            return full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        }

        public static bool IsInDirectory(string path, string directory) =>
            string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), directory, StringComparison.Ordinal);

        /// <summary>
        /// The rules every policy file follows: '#' starts a comment, blank lines are ignored,
        /// surrounding whitespace is trimmed.
        /// </summary>
        public static List<PolicyLine> ReadLines(PolicyFileText file)
        {
            var lines = new List<PolicyLine>();
            string content = file.Content;
            int lineStart = 0;
            int number = 0;
            while (lineStart <= content.Length)
            {
                number++;
                int lineEnd = content.IndexOf('\n', lineStart);
                int next = lineEnd < 0 ? content.Length + 1 : lineEnd + 1;
                int end = lineEnd < 0 ? content.Length : lineEnd;
                int comment = content.IndexOf('#', lineStart, end - lineStart);
                if (comment >= 0)
                {
                    end = comment;
                }

                int first = lineStart;
                while (first < end && char.IsWhiteSpace(content[first]))
                {
                    first++;
                }

                int last = end;
                while (last > first && char.IsWhiteSpace(content[last - 1]))
                {
                    last--;
                }

                if (last > first)
                {
                    lines.Add(new PolicyLine(file.FilePath, number, lineStart, first - lineStart, content.Substring(first, last - first)));
                }

                lineStart = next;
            }

            return lines;
        }

        public static HostsModel ParseHosts(PolicyFileText? file, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var hosts = new List<HostEntry>();
            if (file is null)
            {
                diagnostics.Add(DiagnosticInfo.ForFile(DiagnosticDescriptors.MissingPrimaryHost, string.Empty));
                return new HostsModel(EquatableArray<HostEntry>.Empty, new EquatableArray<DiagnosticInfo>(diagnostics));
            }

            var firstSeen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (PolicyLine line in ReadLines(file))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? name = null;
                var aliases = new List<string>();
                foreach ((int column, string token) in Tokens(line))
                {
                    if (!TryNormalizeHost(token, out string lower))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHostName, line, column, token.Length, token));
                        continue;
                    }

                    if (firstSeen.TryGetValue(lower, out int seenOn))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateEntry, line, column, token.Length, token, seenOn.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                        continue;
                    }

                    firstSeen.Add(lower, line.Number);
                    if (name is null)
                    {
                        name = lower;
                    }
                    else
                    {
                        aliases.Add(lower);
                    }
                }

                if (name is not null)
                {
                    hosts.Add(new HostEntry(name, new EquatableArray<string>(aliases), line.Number));
                }
            }

            if (hosts.Count == 0 && diagnostics.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.ForFile(DiagnosticDescriptors.MissingPrimaryHost, file.FilePath));
            }

            return new HostsModel(new EquatableArray<HostEntry>(hosts), new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        /// <summary>Whitespace-separated tokens of a line with their columns in the file.</summary>
        public static IEnumerable<(int Column, string Token)> Tokens(PolicyLine line)
        {
            string text = line.Text;
            int i = 0;
            while (i < text.Length)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                int start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                if (i > start)
                {
                    yield return (line.Indent + start, text.Substring(start, i - start));
                }
            }
        }

        /// <summary>RFC 1035 section 2.3.1 preferred name syntax (digits allowed first, RFC 1123).</summary>
        public static bool IsValidHostName(string name)
        {
            if (name.Length == 0 || name.Length > 253)
            {
                return false;
            }

            foreach (string label in name.Split('.'))
            {
                if (label.Length == 0 || label.Length > 63 || label[0] == '-' || label[label.Length - 1] == '-')
                {
                    return false;
                }

                foreach (char c in label)
                {
                    bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-';
                    if (!ok)
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>
        /// Splits user@host, lower-cases both, and turns an internationalised host into its
        /// A-label form (xn--), so a policy written in Unicode matches mail written either way.
        /// </summary>
        public static bool TryParseAddress(string token, out string localPart, out string host)
        {
            localPart = host = string.Empty;
            int at = token.LastIndexOf('@');
            if (at <= 0 || at == token.Length - 1)
            {
                return false;
            }

            string local = token.Substring(0, at);
            if (!IsDotAtom(local) || !TryNormalizeHost(token.Substring(at + 1), out host))
            {
                return false;
            }

            localPart = ToLowerAscii(local);
            return true;
        }

        public static bool TryNormalizeHost(string text, out string host)
        {
            host = string.Empty;
            string ascii = text;
            foreach (char c in text)
            {
                if (c > '~')
                {
                    try
                    {
                        ascii = new System.Globalization.IdnMapping().GetAscii(text.ToLowerInvariant());
                    }
                    catch (ArgumentException)
                    {
                        return false;
                    }

                    break;
                }
            }

            if (!IsValidHostName(ascii))
            {
                return false;
            }

            host = ToLowerAscii(ascii);
            return true;
        }

        /// <summary>RFC 5321 Dot-string: atext runs separated by single dots.</summary>
        public static bool IsDotAtom(string text)
        {
            if (text.Length == 0 || text.Length > 64 || text[0] == '.' || text[text.Length - 1] == '.' || text.Contains(".."))
            {
                return false;
            }

            foreach (char c in text)
            {
                bool atext = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') || "!#$%&'*+-/=?^_`{|}~.".IndexOf(c) >= 0;
                if (!atext)
                {
                    return false;
                }
            }

            return true;
        }

        public static string ToLowerAscii(string value)
        {
            char[] chars = value.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] is >= 'A' and <= 'Z')
                {
                    chars[i] = (char)(chars[i] + 32);
                }
            }

            return new string(chars);
        }
    }
}
