using System.Collections.Immutable;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using FastSmtp.Generators.Model;

namespace FastSmtp.Generators;

public sealed partial class PolicyGenerator
{
    internal static partial class Parser
    {
        /// <summary>
        /// SHA-256 over every policy file's name and content, in name order (not the folder's
        /// path: the same files built anywhere are the same policy); 16 hex digits.
        /// </summary>
        public static string ContentHash(ImmutableArray<PolicyFileText> files, CancellationToken cancellationToken)
        {
            using var sha = SHA256.Create();
            foreach (PolicyFileText file in files.OrderBy(f => f.FileName, System.StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                byte[] name = Encoding.UTF8.GetBytes(file.FileName + "\0");
                byte[] content = Encoding.UTF8.GetBytes(file.Content);
                byte[] length = Encoding.ASCII.GetBytes(content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\0");
                sha.TransformBlock(name, 0, name.Length, null, 0);
                sha.TransformBlock(length, 0, length.Length, null, 0);
                sha.TransformBlock(content, 0, content.Length, null, 0);
            }

            sha.TransformFinalBlock([], 0, 0);
            var hex = new StringBuilder(16);
            for (int i = 0; i < 8; i++)
            {
                hex.Append(sha.Hash![i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }

            return hex.ToString();
        }
    }
}
