using System.Globalization;
using System.Text;
using FastSmtp.Generators.Helpers;
using FastSmtp.Generators.Model;

namespace FastSmtp.Generators;

public sealed partial class PolicyGenerator
{
    /// <summary>Models to C#. Output depends only on the models, so it is deterministic.</summary>
    internal static class Emitter
    {
        public static string EmitHosts(EquatableArray<HostEntry> hosts)
        {
            var writer = new SourceWriter();
            writer.WriteLine("namespace FastSmtp.Policy;");
            writer.WriteLine();
            writer.OpenBlock("internal static partial class CompiledPolicy");
            HostEntry primary = hosts[0];
            writer.WriteLine("/// <summary>The primary host: the first name in hosts.txt, ASCII-lowercased.</summary>");
            writer.WriteLine($"public const string PrimaryHost = {Literal(primary.Name)};");
            writer.WriteLine();
            writer.WriteLine("/// <summary>The primary host as UTF-8, for replies written straight to the wire.</summary>");
            writer.WriteLine($"public static global::System.ReadOnlySpan<byte> PrimaryHostUtf8 => {Literal(primary.Name)}u8;");
            writer.WriteLine();
            writer.WriteLine("/// <summary>How many local hosts (primary and virtual) hosts.txt names.</summary>");
            writer.WriteLine($"public const int LocalHostCount = {hosts.Count.ToString(CultureInfo.InvariantCulture)};");
            writer.CloseBlock();
            return writer.ToString();
        }

        /// <summary>A C# string literal; host names are ASCII, but escape defensively.</summary>
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
