using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;
using FastSmtp.Generators.Tables;
using Microsoft.CodeAnalysis.Text;

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

        public static SourceText EmitOptions(PolicyOptionsModel options)
        {
            SourceWriter writer = Open("smtp.conf", implementsInterface: true);
            var data = new List<(string Name, byte[] Bytes)>();
            Dictionary<string, PolicyOptionValue> values = options.Values.ToDictionary(v => v.Key);
            foreach (SmtpConfOption option in SmtpConfOptions.All)
            {
                string value = values[option.Key].Value;
                writer.WriteLine(option.Kind switch
                {
                    SmtpConfOptionKind.RelayMode => $"public static global::FastSmtp.Policy.RelayMode {option.Property} => global::FastSmtp.Policy.RelayMode.{SmtpConfOptions.MemberName(value)};",
                    SmtpConfOptionKind.ZoneList => $"public static string {option.Property} => {Literal(value)};",
                    _ => $"public static bool {option.Property} => {(value == "yes" ? "true" : "false")};",
                });
            }

            // Keyed by the property's name, as the server's nameof spells it.
            writer.WriteLine();
            writer.OpenBlock("public static int OptionLine(string property) => property switch");
            foreach (SmtpConfOption option in SmtpConfOptions.All.Where(o => values[o.Key].Line != 0))
            {
                writer.WriteLine($"{Literal(option.Property)} => {Number(values[option.Key].Line)},");
            }

            writer.WriteLine("_ => 0,");
            writer.CloseBlock(";");
            return Close(writer, data);
        }

        public static SourceText EmitHosts(EquatableArray<HostEntry> hosts)
        {
            SourceWriter writer = Open("hosts.txt");
            var data = new List<(string Name, byte[] Bytes)>();
            writer.WriteLine($"public static string PrimaryHost => {Literal(hosts.Count > 0 ? hosts[0].Name : string.Empty)};");
            writer.WriteLine();
            var entries = new List<KeyedEntry>();
            foreach (HostEntry host in hosts)
            {
                entries.Add(new KeyedEntry(host.Name, host.Name, host.LineNumber));
                entries.AddRange(host.Aliases.Select(alias => new KeyedEntry(alias, host.Name, host.LineNumber)));
            }

            WriteStringTable(writer, data, "Host", entries, withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> CanonicalHost(int entry) => HostValue(entry);");
            return Close(writer, data);
        }

        public static SourceText EmitRecipients(LocalRecipientsModel recipients)
        {
            SourceWriter writer = Open("recipients");
            var data = new List<(string Name, byte[] Bytes)>();
            WriteStringTable(writer, data, "User", recipients.Users.ToList(), withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> UserHash(int entry) => UserValue(entry);");
            writer.WriteLine();
            WriteStringTable(writer, data, "Alias", recipients.Aliases.ToList(), withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> AliasTarget(int entry) => AliasValue(entry);");
            writer.WriteLine();
            WriteStringTable(writer, data, "Group", recipients.Groups.ToList(), withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> GroupMembers(int entry) => GroupValue(entry);");
            return Close(writer, data);
        }

        public static SourceText EmitAccept(KeyListModel accept)
        {
            SourceWriter writer = Open("accept.txt");
            var data = new List<(string Name, byte[] Bytes)>();
            WriteStringTable(writer, data, "Accept", accept.Exact.ToList(), withValues: false);
            return Close(writer, data);
        }

        public static SourceText EmitKill(KeyListModel kill)
        {
            SourceWriter writer = Open("kill.lst");
            var data = new List<(string Name, byte[] Bytes)>();
            WriteStringTable(writer, data, "Kill", kill.Exact.ToList(), withValues: false);
            (int[] childStart, byte[] edgeBytes, int[] edgeTargets, int[] terminals) = SuffixTrieBuilder.Build(kill.Suffixes.Select(s => (s.Key, s.Line)).ToList());
            WriteData(data, writer, "int", "KillTrieChildStart", Bytes(childStart));
            WriteData(data, writer, "byte", "KillTrieEdgeBytes", edgeBytes);
            WriteData(data, writer, "int", "KillTrieEdgeTargets", Bytes(edgeTargets));
            WriteData(data, writer, "int", "KillTrieTerminals", Bytes(terminals));
            writer.WriteLine($"public static int KillSuffixCount => {Number(kill.Suffixes.Count)};");
            writer.WriteLine($"public static int MatchKillSuffix(global::System.ReadOnlySpan<byte> domain) => {Tables}.SuffixTrie.Match(domain, KillTrieChildStart, KillTrieEdgeBytes, KillTrieEdgeTargets, KillTrieTerminals);");
            return Close(writer, data);
        }

        public static SourceText EmitTransport(KeyListModel transport)
        {
            SourceWriter writer = Open("transport.txt");
            var data = new List<(string Name, byte[] Bytes)>();
            WriteStringTable(writer, data, "Transport", transport.Exact.ToList(), withValues: true);
            writer.WriteLine("public static global::System.ReadOnlySpan<byte> TransportNextHop(int entry) => TransportValue(entry);");
            return Close(writer, data);
        }

        public static SourceText EmitRanges(AddressRangesModel ranges)
        {
            string name = ranges.FileName == "relay.txt" ? "Relay" : "Deny";
            SourceWriter writer = Open(ranges.FileName);
            var data = new List<(string Name, byte[] Bytes)>();
            AddressRangeTableBuilder.Table v4 = AddressRangeTableBuilder.Build(ranges.Ranges.Where(r => !r.IsIPv6));
            AddressRangeTableBuilder.Table v6 = AddressRangeTableBuilder.Build(ranges.Ranges.Where(r => r.IsIPv6));
            WriteData(data, writer, "ulong", $"{name}V4FirstOctets", Bytes(v4.FirstOctets));
            WriteData(data, writer, "uint", $"{name}V4Starts", Bytes(Low32(v4.StartLow)));
            WriteData(data, writer, "uint", $"{name}V4Ends", Bytes(Low32(v4.EndLow)));
            WriteData(data, writer, "uint", $"{name}V4MaxEnds", Bytes(Low32(v4.MaxEndLow)));
            WriteData(data, writer, "int", $"{name}V4Lines", Bytes(v4.Lines));
            foreach ((string field, ulong[] values) in new[]
            {
                ("StartHigh", v6.StartHigh), ("StartLow", v6.StartLow), ("EndHigh", v6.EndHigh), ("EndLow", v6.EndLow), ("MaxEndHigh", v6.MaxEndHigh), ("MaxEndLow", v6.MaxEndLow),
            })
            {
                WriteData(data, writer, "ulong", $"{name}V6{field}", Bytes(values));
            }

            WriteData(data, writer, "int", $"{name}V6Lines", Bytes(v6.Lines));
            writer.WriteLine($"public static int {name}Count => {Number(ranges.Ranges.Count)};");
            writer.WriteLine($"public static int Find{name}(global::System.ReadOnlySpan<byte> address) => address.Length == 4");
            writer.WriteLine($"    ? {Tables}.AddressRangeTable.FindV4(address, {name}V4FirstOctets, {name}V4Starts, {name}V4Ends, {name}V4MaxEnds, {name}V4Lines)");
            writer.WriteLine($"    : {Tables}.AddressRangeTable.FindV6(address, {name}V6StartHigh, {name}V6StartLow, {name}V6EndHigh, {name}V6EndLow, {name}V6MaxEndHigh, {name}V6MaxEndLow, {name}V6Lines);");
            return Close(writer, data);
        }

        /// <summary>
        /// The policy's identity, and the assembly's entry point: the server instantiates the
        /// engine closed over this struct, and refuses a policy compiled against another contract.
        /// </summary>
        public static SourceText EmitIdentity(string contentHash)
        {
            var writer = new SourceWriter();
            writer.WriteLine("[assembly: global::FastSmtp.Policy.PolicyEntryPoint(typeof(global::FastSmtp.Policy.SecurityPolicy<global::FastSmtp.Policy.CompiledPolicy>), global::FastSmtp.Policy.PolicyContract.Version)]");
            writer.WriteLine();
            writer.WriteLine("namespace FastSmtp.Policy;");
            writer.WriteLine();
            writer.OpenBlock("internal readonly partial struct CompiledPolicy");
            writer.WriteLine($"public static string ContentHash => {Literal(contentHash)};");
            writer.CloseBlock();
            return writer.ToSourceText();
        }

        public static SourceText EmitTests(PolicyTestsModel tests)
        {
            SourceWriter writer = Open("tests.txt");
            var data = new List<(string Name, byte[] Bytes)>();
            writer.WriteLine($"public static string TestsFile => {Literal(tests.FilePath)};");
            writer.WriteLine();
            writer.OpenBlock("public static global::System.Collections.Generic.IReadOnlyList<global::FastSmtp.Policy.PolicyTest> Tests => new global::FastSmtp.Policy.PolicyTest[]");
            foreach (PolicyTestCase test in tests.Cases)
            {
                writer.WriteLine($"new({Literal(test.ClientIp)}, {Literal(test.Sender)}, {Literal(test.Recipient)}, {(test.Auth is null ? "null" : Literal(test.Auth))}, {Literal(test.Expect)}, {Number(test.Line)}, {Number(test.ExpectColumn)}),");
            }

            writer.CloseBlock(";");
            return Close(writer, data);
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

        /// <summary>Closes the struct; the file's tables follow as attributes of another part of it.</summary>
        private static SourceText Close(SourceWriter writer, List<(string Name, byte[] Bytes)> data)
        {
            writer.CloseBlock();
            if (data.Count > 0)
            {
                writer.WriteLine();
                foreach ((string name, byte[] bytes) in data)
                {
                    writer.WritePackedLine($"[{Tables}.PolicyData({Literal(name)}, {Number(bytes.Length)}, \"", bytes, "\")]");
                }

                writer.WriteLine("internal readonly partial struct CompiledPolicy { }");
            }

            return writer.ToSourceText();
        }

        /// <summary>A hash table over the entries' keys, their lines, and optionally their values.</summary>
        private static void WriteStringTable(SourceWriter writer, List<(string Name, byte[] Bytes)> data, string name, IReadOnlyList<KeyedEntry> entries, bool withValues)
        {
            (byte[] blob, int[] offsets, int[] buckets) = StringTableBuilder.Build(entries.Select(e => e.Key).ToList());
            WriteData(data, writer, "byte", $"{name}Keys", blob);
            WriteData(data, writer, "int", $"{name}KeyOffsets", Bytes(offsets));
            WriteData(data, writer, "int", $"{name}Buckets", Bytes(buckets));
            WriteData(data, writer, "int", $"{name}Lines", Bytes(entries.Select(e => e.Line).ToArray()));
            writer.WriteLine($"public static int Find{name}(global::System.ReadOnlySpan<byte> key) => {Tables}.ByteStringTable.Find(key, {name}Keys, {name}KeyOffsets, {name}Buckets);");
            writer.WriteLine($"public static int {name}Line(int entry) => {name}Lines[entry];");
            writer.WriteLine($"public static int {name}Count => {Number(entries.Count)};");
            if (withValues)
            {
                (byte[] values, int[] valueOffsets) = StringTableBuilder.Values(entries.Select(e => e.Value).ToList());
                WriteData(data, writer, "byte", $"{name}Values", values);
                WriteData(data, writer, "int", $"{name}ValueOffsets", Bytes(valueOffsets));
                writer.WriteLine($"private static global::System.ReadOnlySpan<byte> {name}Value(int entry) => {Tables}.ByteStringTable.Value(entry, {name}Values, {name}ValueOffsets);");
            }
        }

        /// <summary>
        /// A table as text in an attribute of the struct (the assembly's blob heap, which has
        /// room for any size; 15 bits to a character), read once when the policy is loaded into
        /// an array that never moves, and seen as a span of <paramref name="type"/> (wider values
        /// little-endian, through MemoryMarshal.Cast). Array initialisers and u8 literals cost
        /// the compiler a syntax or bound node per byte (60 KB of compiler memory per policy
        /// entry); one plain string per table costs it next to nothing.
        /// </summary>
        private static void WriteData(List<(string Name, byte[] Bytes)> data, SourceWriter writer, string type, string name, byte[] bytes)
        {
            string field = "s_" + char.ToLowerInvariant(name[0]) + name.Substring(1);
            data.Add((name, bytes));
            writer.WriteLine($"private static readonly byte[] {field} = {Tables}.PolicyDataAttribute.Load(typeof(CompiledPolicy), {Literal(name)});");
            writer.WriteLine(type == "byte"
                ? $"private static global::System.ReadOnlySpan<byte> {name} => {field};"
                : $"private static global::System.ReadOnlySpan<{type}> {name} => global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, {type}>({field});");
        }

        private static byte[] Bytes(int[] values)
        {
            byte[] bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
            {
                uint value = (uint)values[i];
                for (int b = 0; b < 4; b++)
                {
                    bytes[(4 * i) + b] = (byte)(value >> (8 * b));
                }
            }

            return bytes;
        }

        /// <summary>IPv4 ranges keep their addresses in the low 32 bits of the builder's 64.</summary>
        private static int[] Low32(ulong[] values) => values.Select(v => unchecked((int)(uint)v)).ToArray();

        private static byte[] Bytes(ulong[] values)
        {
            byte[] bytes = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++)
            {
                for (int b = 0; b < 8; b++)
                {
                    bytes[(8 * i) + b] = (byte)(values[i] >> (8 * b));
                }
            }

            return bytes;
        }

        private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

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
