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
        private const int ChunkChars = 64 * 1024;

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
                byte[] length = Encoding.ASCII.GetBytes(Encoding.UTF8.GetByteCount(file.Content).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\0");
                sha.TransformBlock(name, 0, name.Length, null, 0);
                sha.TransformBlock(length, 0, length.Length, null, 0);

                // In chunks: a policy file runs to tens of megabytes, and its bytes are needed only here.
                Encoder encoder = Encoding.UTF8.GetEncoder();
                char[] chars = new char[ChunkChars];
                byte[] bytes = new byte[Encoding.UTF8.GetMaxByteCount(ChunkChars)];
                for (int offset = 0; offset < file.Content.Length; offset += ChunkChars)
                {
                    int count = System.Math.Min(ChunkChars, file.Content.Length - offset);
                    file.Content.CopyTo(offset, chars, 0, count);
                    int written = encoder.GetBytes(chars, 0, count, bytes, 0, flush: offset + count == file.Content.Length);
                    sha.TransformBlock(bytes, 0, written, null, 0);
                }
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
