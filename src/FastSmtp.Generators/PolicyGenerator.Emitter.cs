using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;
using FastSmtp.Generators.Tables;

namespace FastSmtp.Generators;

public sealed partial class PolicyGenerator
{
    /// <summary>
    /// Models to C#: each policy file becomes one part of <c>CompiledPolicy</c>, a struct
    /// implementing IPolicy whose tables are <c>ReadOnlySpan</c> data in the binary. Output
    /// depends only on the models, so it is deterministic.
    /// </summary>
    internal static class Emitter
    {
        private const string Tables = "global::FastSmtp.Policy.Tables";

        public static string EmitOptions(PolicyOptionsModel options)
        {
            SourceWriter writer = Open("smtp.conf", implementsInterface: true);
            Dictionary<string, PolicyOptionValue> values = options.Values.ToDictionary(v => v.Key);
            string relay = values["relay"].Value switch
            {
                "anyone" => "Anyone",
                "none" => "None",
                "local-hosts" => "LocalHosts",
                "local-users" => "LocalUsers",
                _ => "Addresses",
            };
            writer.WriteLine($"public static global::FastSmtp.Policy.RelayMode Relay => global::FastSmtp.Policy.RelayMode.{relay};");
            foreach ((string key, string property) in new[]
            {
                ("skip-antispam-for-relay-addresses", "SkipAntispamForRelayAddresses"),
                ("allow-remote-mail-to-groups", "AllowRemoteMailToGroups"),
                ("allow-remote-view-of-groups", "AllowRemoteViewOfGroups"),
                ("check-valid-sender", "CheckValidSender"),
                ("auto-deny-hack-attempts", "AutoDenyHackAttempts"),
                ("disable-vrfy", "DisableVrfy"),
                ("disable-auth-reporting", "DisableAuthReporting"),
            })
            {
                writer.WriteLine($"public static bool {property} => {(values[key].Value == "yes" ? "true" : "false")};");
            }

            writer.WriteLine($"public static string Dnsbl => {Literal(values["dnsbl"].Value)};");
            writer.WriteLine();
            writer.OpenBlock("public static int OptionLine(string key) => key switch");
            foreach (PolicyOptionValue value in options.Values.Where(v => v.Line != 0))
            {
                writer.WriteLine($"{Literal(value.Key)} => {Number(value.Line)},");
            }

            writer.WriteLine("_ => 0,");
            writer.CloseBlock(";");
            return Close(writer);
        }

        public static string EmitHosts(EquatableArray<HostEntry> hosts)
        {
            SourceWriter writer = Open("hosts.txt");
            writer.WriteLine($"public static string PrimaryHost => {Literal(hosts.Count > 0 ? hosts[0].Name : string.Empty)};");
            writer.WriteLine();
            var entries = new List<KeyedEntry>();
            foreach (HostEntry host in hosts)
            {
                entries.Add(new KeyedEntry(host.Name, host.Name, host.LineNumber));
                entries.AddRange(host.Aliases.Select(alias => new KeyedEntry(alias, host.Name, host.LineNumber)));
            }

            WriteStringTable(writer, "Host", entries, withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> CanonicalHost(int entry) => HostValue(entry);");
            return Close(writer);
        }

        public static string EmitRecipients(LocalRecipientsModel recipients)
        {
            SourceWriter writer = Open("recipients");
            WriteStringTable(writer, "User", recipients.Users.ToList(), withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> UserHash(int entry) => UserValue(entry);");
            writer.WriteLine();
            WriteStringTable(writer, "Alias", recipients.Aliases.ToList(), withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> AliasTarget(int entry) => AliasValue(entry);");
            writer.WriteLine();
            WriteStringTable(writer, "Group", recipients.Groups.ToList(), withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> GroupMembers(int entry) => GroupValue(entry);");
            return Close(writer);
        }

        public static string EmitAccept(KeyListModel accept)
        {
            SourceWriter writer = Open("accept.txt");
            WriteStringTable(writer, "Accept", accept.Exact.ToList(), withValues: false);
            return Close(writer);
        }

        public static string EmitKill(KeyListModel kill)
        {
            SourceWriter writer = Open("kill.lst");
            WriteStringTable(writer, "Kill", kill.Exact.ToList(), withValues: false);
            (int[] childStart, byte[] edgeBytes, int[] edgeTargets, int[] terminals) = SuffixTrieBuilder.Build(kill.Suffixes.Select(s => (s.Key, s.Line)).ToList());
            WriteData(writer, "int", "KillTrieChildStart", childStart.Select(Number));
            WriteData(writer, "byte", "KillTrieEdgeBytes", edgeBytes.Select(Byte));
            WriteData(writer, "int", "KillTrieEdgeTargets", edgeTargets.Select(Number));
            WriteData(writer, "int", "KillTrieTerminals", terminals.Select(Number));
            writer.WriteLine($"public static int KillSuffixCount => {Number(kill.Suffixes.Count)};");
            writer.WriteLine($"public static int MatchKillSuffix(global::System.ReadOnlySpan<byte> domain) => {Tables}.SuffixTrie.Match(domain, KillTrieChildStart, KillTrieEdgeBytes, KillTrieEdgeTargets, KillTrieTerminals);");
            return Close(writer);
        }

        public static string EmitRanges(AddressRangesModel ranges)
        {
            string name = ranges.FileName == "relay.txt" ? "Relay" : "Deny";
            SourceWriter writer = Open(ranges.FileName);
            AddressRangeTableBuilder.Table v4 = AddressRangeTableBuilder.Build(ranges.Ranges.Where(r => !r.IsIPv6));
            AddressRangeTableBuilder.Table v6 = AddressRangeTableBuilder.Build(ranges.Ranges.Where(r => r.IsIPv6));
            WriteData(writer, "ulong", $"{name}V4FirstOctets", v4.FirstOctets.Select(Hex));
            WriteData(writer, "uint", $"{name}V4Starts", v4.StartLow.Select(v => Hex((uint)v)));
            WriteData(writer, "uint", $"{name}V4Ends", v4.EndLow.Select(v => Hex((uint)v)));
            WriteData(writer, "uint", $"{name}V4MaxEnds", v4.MaxEndLow.Select(v => Hex((uint)v)));
            WriteData(writer, "int", $"{name}V4Lines", v4.Lines.Select(Number));
            foreach ((string field, ulong[] values) in new[]
            {
                ("StartHigh", v6.StartHigh), ("StartLow", v6.StartLow), ("EndHigh", v6.EndHigh), ("EndLow", v6.EndLow), ("MaxEndHigh", v6.MaxEndHigh), ("MaxEndLow", v6.MaxEndLow),
            })
            {
                WriteData(writer, "ulong", $"{name}V6{field}", values.Select(Hex));
            }

            WriteData(writer, "int", $"{name}V6Lines", v6.Lines.Select(Number));
            writer.WriteLine($"public static int {name}Count => {Number(ranges.Ranges.Count)};");
            writer.WriteLine($"public static int Find{name}(global::System.ReadOnlySpan<byte> address) => address.Length == 4");
            writer.WriteLine($"    ? {Tables}.AddressRangeTable.FindV4(address, {name}V4FirstOctets, {name}V4Starts, {name}V4Ends, {name}V4MaxEnds, {name}V4Lines)");
            writer.WriteLine($"    : {Tables}.AddressRangeTable.FindV6(address, {name}V6StartHigh, {name}V6StartLow, {name}V6EndHigh, {name}V6EndLow, {name}V6MaxEndHigh, {name}V6MaxEndLow, {name}V6Lines);");
            return Close(writer);
        }

        public static string EmitTests(PolicyTestsModel tests)
        {
            SourceWriter writer = Open("tests.txt");
            writer.WriteLine($"public static string TestsFile => {Literal(tests.FilePath)};");
            writer.WriteLine();
            writer.OpenBlock("public static global::System.Collections.Generic.IReadOnlyList<global::FastSmtp.Policy.PolicyTest> Tests => new global::FastSmtp.Policy.PolicyTest[]");
            foreach (PolicyTestCase test in tests.Cases)
            {
                writer.WriteLine($"new({Literal(test.ClientIp)}, {Literal(test.Sender)}, {Literal(test.Recipient)}, {(test.Auth is null ? "null" : Literal(test.Auth))}, {Literal(test.Expect)}, {Number(test.Line)}, {Number(test.ExpectColumn)}),");
            }

            writer.CloseBlock(";");
            return Close(writer);
        }

        private static SourceWriter Open(string file, bool implementsInterface = false)
        {
            var writer = new SourceWriter();
            writer.WriteLine("namespace FastSmtp.Policy;");
            writer.WriteLine();
            writer.WriteLine($"// Compiled from {file}.");
            writer.OpenBlock("internal readonly partial struct CompiledPolicy" + (implementsInterface ? " : global::FastSmtp.Policy.IPolicy" : string.Empty));
            return writer;
        }

        private static string Close(SourceWriter writer)
        {
            writer.CloseBlock();
            return writer.ToString();
        }

        /// <summary>A hash table over the entries' keys, their lines, and optionally their values.</summary>
        private static void WriteStringTable(SourceWriter writer, string name, IReadOnlyList<KeyedEntry> entries, bool withValues)
        {
            (byte[] blob, int[] offsets, int[] buckets) = StringTableBuilder.Build(entries.Select(e => e.Key).ToList());
            WriteData(writer, "byte", $"{name}Keys", blob.Select(Byte));
            WriteData(writer, "int", $"{name}KeyOffsets", offsets.Select(Number));
            WriteData(writer, "int", $"{name}Buckets", buckets.Select(Number));
            WriteData(writer, "int", $"{name}Lines", entries.Select(e => Number(e.Line)));
            writer.WriteLine($"public static int Find{name}(global::System.ReadOnlySpan<byte> key) => {Tables}.ByteStringTable.Find(key, {name}Keys, {name}KeyOffsets, {name}Buckets);");
            writer.WriteLine($"public static int {name}Line(int entry) => {name}Lines[entry];");
            writer.WriteLine($"public static int {name}Count => {Number(entries.Count)};");
            if (withValues)
            {
                (byte[] values, int[] valueOffsets) = StringTableBuilder.Values(entries.Select(e => e.Value).ToList());
                WriteData(writer, "byte", $"{name}Values", values.Select(Byte));
                WriteData(writer, "int", $"{name}ValueOffsets", valueOffsets.Select(Number));
                writer.WriteLine($"private static global::System.ReadOnlySpan<byte> {name}Value(int entry) => {Tables}.ByteStringTable.Value(entry, {name}Values, {name}ValueOffsets);");
            }
        }

        /// <summary>
        /// <c>static ReadOnlySpan&lt;T&gt; Name</c> over a byte initialiser: the compiler places
        /// byte data in the binary's data section in every build configuration (wider element
        /// types get the same treatment only when optimising, and allocate otherwise), so a
        /// table is never built or allocated at run time. Wider values are little-endian and
        /// read back through MemoryMarshal.Cast.
        /// </summary>
        private static void WriteData(SourceWriter writer, string type, string name, IEnumerable<string> values)
        {
            List<byte> bytes = new();
            foreach (string value in values)
            {
                bytes.AddRange(ToLittleEndian(type, value));
            }

            string initializer = "new byte[]";
            writer.WriteLine(type == "byte"
                ? $"private static global::System.ReadOnlySpan<byte> {name} => {initializer}"
                : $"private static global::System.ReadOnlySpan<{type}> {name} => global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, {type}>({initializer}");
            writer.WriteLine("{");
            var line = new StringBuilder("    ");
            int count = 0;
            foreach (byte value in bytes)
            {
                line.Append(Byte(value)).Append(", ");
                if (++count % 24 == 0)
                {
                    writer.WriteLine(line.ToString().TrimEnd());
                    line.Clear().Append("    ");
                }
            }

            if (line.Length > 4)
            {
                writer.WriteLine(line.ToString().TrimEnd());
            }

            writer.WriteLine(type == "byte" ? "};" : "});");
        }

        private static byte[] ToLittleEndian(string type, string value)
        {
            ulong number = value.StartsWith("0x", System.StringComparison.Ordinal)
                ? ulong.Parse(value.Substring(2).TrimEnd('U', 'L'), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : (ulong)long.Parse(value, CultureInfo.InvariantCulture);
            int width = type switch { "byte" => 1, "int" or "uint" => 4, _ => 8 };
            byte[] bytes = new byte[width];
            for (int i = 0; i < width; i++)
            {
                bytes[i] = (byte)(number >> (8 * i));
            }

            return bytes;
        }

        private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Byte(byte value) => "0x" + value.ToString("X2", CultureInfo.InvariantCulture);

        private static string Hex(ulong value) => "0x" + value.ToString("X", CultureInfo.InvariantCulture) + "UL";

        private static string Hex(uint value) => "0x" + value.ToString("X", CultureInfo.InvariantCulture) + "U";

        /// <summary>A C# string literal, escaping everything outside printable ASCII.</summary>
        public static string Literal(string value)
        {
            var builder = new StringBuilder(value.Length + 2);
            builder.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    default:
                        if (c < ' ' || c > '~')
                        {
                            builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            builder.Append(c);
                        }

                        break;
                }
            }

            return builder.Append('"').ToString();
        }
    }
}
