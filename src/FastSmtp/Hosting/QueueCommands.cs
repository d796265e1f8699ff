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
                undelivered += recipient.State is RecipientState.Pending or RecipientState.Deferred ? 1 : 0;
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
        string command = "flush";
        if (arguments is ["--domain", var domain, .. var afterDomain])
        {
            command = "flush --domain " + domain;
            arguments = afterDomain;
        }
        else if (arguments is [var id, .. var afterId] && !id.StartsWith('-'))
        {
            command = "flush " + id;
            arguments = afterId;
        }

        if (!TryGetSpool("flush", arguments, error, out string spool, out int status))
        {
            return status;
        }

        string? answer = await QueueControl.SendAsync(Path.GetFullPath(spool), command);
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
