using System.Globalization;
using FastSmtp.Queue;

namespace FastSmtp.Hosting;

/// <summary>`queue list --spool DIR` and `queue flush --spool DIR`.</summary>
internal static class QueueCommands
{
    /// <summary>
    /// Per message with something left to deliver, oldest first (as mailq): a line with its queue
    /// id, arrival, size and sender, then a line per recipient (indented by a tab) with its state,
    /// attempts, next try and last response. Tab-separated, for scripts as much as for people.
    /// </summary>
    public static int List(string[] arguments, TextWriter output, TextWriter error)
    {
        if (!TryGetSpool("list", arguments, error, out string spool, out int status))
        {
            return status;
        }

        List<QueuedMessage> queue = SpoolReader.ReadQueuedMessages(spool);
        int undelivered = 0;
        foreach (QueuedMessage message in queue)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{message.QueueId}\t{message.ReceivedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\t{message.Size}\t<{message.Sender}>"));
            foreach (QueuedRecipient recipient in message.Recipients)
            {
                undelivered += recipient.State is RecipientState.Pending or RecipientState.Deferred ? 1 : 0;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\t{recipient.Address}\t{recipient.State.ToString().ToLowerInvariant()}\t{recipient.Attempts}\t{recipient.NextAttempt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\t{recipient.LastResponse ?? "-"}"));
            }
        }

        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{queue.Count} messages, {undelivered} undelivered recipients"));
        return 0;
    }

    /// <summary>Tells the server running on the spool to try every deferred message now.</summary>
    public static async Task<int> FlushAsync(string[] arguments, TextWriter output, TextWriter error)
    {
        if (!TryGetSpool("flush", arguments, error, out string spool, out int status))
        {
            return status;
        }

        string? answer = await QueueControl.SendAsync(Path.GetFullPath(spool), "flush");
        if (answer is null)
        {
            error.WriteLine($"queue flush: no FastSmtp server is running on {Path.GetFullPath(spool)}");
            return 1;
        }

        output.WriteLine(answer);
        return 0;
    }

    /// <summary>--spool DIR, else the spool the server's settings name (--config FILE, FASTSMTP_SPOOL, appsettings.json).</summary>
    private static bool TryGetSpool(string command, string[] arguments, TextWriter error, out string spool, out int status)
    {
        status = 0;
        if (!SpoolArguments.TryRead(arguments, allowPolicy: false, command == "list" ? CommandUsage.QueueList : CommandUsage.QueueFlush, error, out spool, out _))
        {
            status = 2;
            return false;
        }

        if (!Directory.Exists(SpoolFormat.QueueDirectory(spool)))
        {
            error.WriteLine($"queue {command}: {Path.GetFullPath(spool)} is not a spool");
            status = 1;
            return false;
        }

        return true;
    }
}
