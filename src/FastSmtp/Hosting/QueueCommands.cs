using System.Globalization;
using FastSmtp.Queue;

namespace FastSmtp.Hosting;

/// <summary>`queue list --spool DIR` (SPEC.md section 7).</summary>
internal static class QueueCommands
{
    /// <summary>One line per undelivered recipient: queue id, recipient, attempts, next try, last error.</summary>
    public static int List(string[] arguments, TextWriter output, TextWriter error)
    {
        string spool = arguments is ["--spool", var directory] ? directory : new SmtpServerOptions().Spool;
        if (arguments.Length != 0 && arguments is not ["--spool", _])
        {
            error.WriteLine("usage: FastSmtp queue list [--spool DIR]");
            return 2;
        }

        if (!Directory.Exists(SpoolFormat.QueueDirectory(spool)))
        {
            error.WriteLine($"queue list: {Path.GetFullPath(spool)} is not a spool");
            return 1;
        }

        List<QueuedRecipient> queue = SpoolReader.ReadQueue(spool);
        foreach (QueuedRecipient recipient in queue)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{recipient.QueueId}\t{recipient.Address}\t{recipient.Attempts}\t{recipient.NextAttempt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\t{recipient.LastResponse ?? "-"}"));
        }

        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{queue.Count} undelivered recipients"));
        return 0;
    }
}
