using System.Globalization;
using FastSmtp.Protocol;
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
                undelivered += RecipientProgress.Finished(recipient.State) ? 0 : 1;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\t{recipient.Address}\t{recipient.State.ToString().ToLowerInvariant()}\t{recipient.Attempts}\t{recipient.NextAttempt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\t{recipient.LastResponse ?? "-"}"));
            }
        }

        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{queue.Count} messages, {undelivered} undelivered recipients"));
        return 0;
    }

    /// <summary>One message as the spool holds it (as postcat): envelope, each recipient's state, then the header block.</summary>
    public static int Show(string[] arguments, TextWriter output, TextWriter error)
    {
        if (arguments is not [var id, .. var rest] || id.StartsWith('-'))
        {
            error.WriteLine(CommandUsage.QueueShow);
            return 2;
        }

        if (!TryGetSpool("show", rest, error, out string spool, out int status))
        {
            return status;
        }

        QueueEntry? entry = SpoolReader.Replay(spool).Find(e => string.Equals(e.QueueId.ToString(), id, StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            error.WriteLine($"queue show: no message {id} in {Path.GetFullPath(spool)}");
            return 1;
        }

        SpooledMessage message = SpoolReader.ReadMessageAt(spool, entry.Segment, entry.Offset);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"queue id: {message.QueueId}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"arrival: {message.ReceivedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"));
        output.WriteLine($"client: [{message.ClientAddress}] helo={message.HeloName} protocol={message.Protocol.ToString().ToUpperInvariant()}");
        output.WriteLine($"sender: <{message.MailFrom}>{(message.EnvelopeId is null ? string.Empty : " envid=" + message.EnvelopeId)}{(message.Return == DsnReturn.Default ? string.Empty : " ret=" + message.Return.ToString().ToLowerInvariant())}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"size: {message.Body.Length}"));
        for (int i = 0; i < entry.Recipients.Length; i++)
        {
            RecipientProgress recipient = entry.Recipients[i];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"recipient: <{recipient.Address}> {recipient.State.ToString().ToLowerInvariant()} attempts={recipient.Attempts} next={recipient.NextAttempt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} last={recipient.LastResponse ?? "-"}"));
        }

        output.WriteLine();
        byte[] body = message.Body;
        int end = body.AsSpan().IndexOf("\r\n\r\n"u8);
        output.Write(System.Text.Encoding.UTF8.GetString(body, 0, end < 0 ? body.Length : end + 2));
        return 0;
    }

    /// <summary>
    /// Tells the server running on the spool to try every deferred message now, or only
    /// QUEUE-ID, or only the messages with a recipient at --domain D.
    /// </summary>
    public static async Task<int> FlushAsync(string[] arguments, TextWriter output, TextWriter error)
    {
        QueueSelection.TryRead(arguments, out QueueSelection selection, out arguments);
        if (!TryGetSpool("flush", arguments, error, out string spool, out int status))
        {
            return status;
        }

        string command = selection.IsAll ? "flush" : "flush " + selection;
        string? answer = await QueueControl.SendAsync(Path.GetFullPath(spool), command);
        if (answer is null)
        {
            error.WriteLine($"queue flush: no FastSmtp server is running on {Path.GetFullPath(spool)}");
            return 1;
        }

        output.WriteLine(answer);
        return 0;
    }

    /// <summary>
    /// `queue hold`, `release` and `delete` (Postfix's postsuper -h, -H, -d) for one message, a
    /// domain's messages, or all: through the running server's control socket, or, when no
    /// server runs on the spool, in the spool itself (under its lock, so a server starting
    /// meanwhile waits its turn). Either way the change is recorded in the spool's log: a
    /// held message stays held and a deleted one never comes back, whatever restarts.
    /// </summary>
    public static async Task<int> ChangeAsync(QueueAction action, string[] arguments, TextWriter output, TextWriter error)
    {
        string verb = action.ToString().ToLowerInvariant();
        string usage = CommandUsage.QueueChange(verb);
        if (!QueueSelection.TryRead(arguments, out QueueSelection selection, out arguments))
        {
            error.WriteLine(usage);
            return 2;
        }

        if (!TryGetSpool(verb, arguments, error, out string spool, out int status, usage))
        {
            return status;
        }

        spool = Path.GetFullPath(spool);
        string? answer = await QueueControl.SendAsync(spool, verb + " " + selection);
        if (answer is null)
        {
            using SpoolLock? owned = SpoolLock.TryAcquire(spool);
            if (owned is null)
            {
                error.WriteLine($"queue {verb}: a FastSmtp server holds {spool} but does not answer on {QueueControl.SocketPath(spool)}");
                return 1;
            }

            answer = await ChangeStoppedSpoolAsync(spool, action, selection);
        }

        bool failed = answer.StartsWith("failed", StringComparison.Ordinal);
        (failed ? error : output).WriteLine(answer);
        return failed ? 1 : 0;
    }

    /// <summary>The change made in the spool of a server that is not running (the caller holds the spool's lock).</summary>
    private static async Task<string> ChangeStoppedSpoolAsync(string directory, QueueAction action, QueueSelection selection)
    {
        using var spool = new Spool(directory, Microsoft.Extensions.Logging.Abstractions.NullLogger<Spool>.Instance);
        if (spool.Fault is { } fault)
        {
            return "failed: the spool cannot be read: " + fault.Reason;
        }

        await spool.Recovered;
        (CommitResult result, List<QueueEntry> changed) = await spool.ApplyAsync(action, selection.Matches);
        if (result != CommitResult.Committed)
        {
            return $"failed: the spool cannot record changes ({spool.Fault?.Reason ?? result.ToString()})";
        }

        foreach (QueueEntry entry in changed.Where(entry => entry.IsDone))
        {
            // A deleted message leaves at once: its body file goes now, not at the next start.
            spool.Retire(entry);
        }

        return Changed(action, changed.Count);
    }

    /// <summary>The answer to `queue hold`, `release` or `delete`, from the server or the spool alike: "held 2".</summary>
    public static string Changed(QueueAction action, int messages) => string.Create(CultureInfo.InvariantCulture,
        $"{action switch { QueueAction.Hold => "held", QueueAction.Release => "released", _ => "deleted" }} {messages}");

    /// <summary>--spool DIR, else the spool the server's settings name (--config FILE, FASTSMTP_SPOOL, appsettings.json).</summary>
    private static bool TryGetSpool(string command, string[] arguments, TextWriter error, out string spool, out int status, string? usage = null)
    {
        status = 0;
        usage ??= command switch { "list" => CommandUsage.QueueList, "show" => CommandUsage.QueueShow, _ => CommandUsage.QueueFlush };
        if (!SpoolArguments.TryRead(arguments, allowPolicy: false, usage, error, out spool, out _))
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
