using System.Globalization;
using System.Text;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using MimeKit;

namespace FastSmtp.Delivery;

/// <summary>
/// Builds a delivery status notification (RFC 3464, multipart/report) for the recipients a
/// message could not reach, addressed to its envelope sender, never to the null sender &lt;&gt;
/// (RFC 5321 4.5.5, which is how bounce loops are avoided).
/// </summary>
public static class BounceBuilder
{
    /// <summary>
    /// One recipient to report, with the reply (or reason) that decided it: a failure, or a
    /// delivery the sender asked to hear of with NOTIFY=SUCCESS (RFC 3461 4.1).
    /// </summary>
    public sealed record ReportedRecipient(string Address, string? OriginalRecipient, NextHopReply Reply, bool Delivered = false);

    /// <summary>The report, or null when the sender is &lt;&gt; or there is nothing to report.</summary>
    public static MimeMessage? Build(SpooledMessage original, IReadOnlyList<ReportedRecipient> failed, string reportingHost, DateTimeOffset now)
    {
        if (original.MailFrom.Length == 0 || failed.Count == 0)
        {
            return null;
        }

        bool anyFailed = failed.Any(r => !r.Delivered);

        var bounce = new MimeMessage();
        bounce.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingHost));
        bounce.To.Add(MailboxAddress.Parse(original.MailFrom));
        bounce.Subject = anyFailed ? "Undelivered Mail Returned to Sender" : "Successful Mail Delivery Report";
        bounce.Date = now;
        bounce.Headers.Add("Auto-Submitted", "auto-replied");

        var human = new StringBuilder();
        human.Append(CultureInfo.InvariantCulture, $"This is the mail system at host {reportingHost}.\r\n\r\n");
        human.Append(anyFailed
            ? "Your message could not be delivered to one or more recipients.\r\n\r\n"
            : "Your message was delivered to the recipients below, as you asked to be told.\r\n\r\n");
        foreach (ReportedRecipient recipient in failed)
        {
            human.Append(CultureInfo.InvariantCulture, $"<{recipient.Address}>: {(recipient.Delivered ? "delivered: " : string.Empty)}{recipient.Reply}\r\n");
        }

        var status = new StringBuilder();
        status.Append(CultureInfo.InvariantCulture, $"Reporting-MTA: dns; {reportingHost}\r\n");
        if (original.EnvelopeId is not null)
        {
            status.Append(CultureInfo.InvariantCulture, $"Original-Envelope-Id: {original.EnvelopeId}\r\n");
        }

        status.Append(CultureInfo.InvariantCulture, $"Arrival-Date: {original.ReceivedAt.ToString("r", CultureInfo.InvariantCulture)}\r\n");
        foreach (ReportedRecipient recipient in failed)
        {
            status.Append("\r\n");
            if (recipient.OriginalRecipient is not null)
            {
                status.Append(CultureInfo.InvariantCulture, $"Original-Recipient: {recipient.OriginalRecipient}\r\n");
            }

            status.Append(CultureInfo.InvariantCulture, $"Final-Recipient: rfc822; {recipient.Address}\r\n");
            status.Append(recipient.Delivered ? "Action: delivered\r\n" : "Action: failed\r\n");
            status.Append(CultureInfo.InvariantCulture, $"Status: {StatusOf(recipient.Reply)}\r\n");
            if (recipient.Reply.Code != 0)
            {
                status.Append(CultureInfo.InvariantCulture, $"Diagnostic-Code: smtp; {recipient.Reply}\r\n");
            }
        }

        var report = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = human.ToString() },
            new MimePart("message", "delivery-status")
            {
                Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes(status.ToString()))),
                ContentTransferEncoding = ContentEncoding.SevenBit,
            },
            ReturnedMessage(original),
        };
        bounce.Body = report;
        return bounce;
    }

    /// <summary>
    /// The bounce as it goes into the queue and onto the wire: CRLF line endings whatever the
    /// platform (MimeKit's default on Unix is LF, which the receive side refuses as bare LF).
    /// </summary>
    public static byte[] ToWireBytes(MimeMessage bounce)
    {
        FormatOptions options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var stream = new MemoryStream();
        bounce.WriteTo(options, stream);
        return stream.ToArray();
    }

    /// <summary>RET=HDRS returns the headers only (text/rfc822-headers); otherwise the whole message.</summary>
    private static MimeEntity ReturnedMessage(SpooledMessage original)
    {
        MimeMessage message = MimeMessage.Load(new MemoryStream(original.Body));
        if (original.Return == DsnReturn.Headers)
        {
            using var headers = new MemoryStream();
            message.Headers.WriteTo(headers);
            return new MimePart("text", "rfc822-headers")
            {
                Content = new MimeContent(new MemoryStream(headers.ToArray())),
            };
        }

        return new MessagePart("rfc822") { Message = message };
    }

    /// <summary>The RFC 3463 status: the reply's own enhanced code, or one made from its class.</summary>
    private static string StatusOf(NextHopReply reply)
    {
        string[] words = reply.Text.Split(' ', 2);
        if (words.Length > 0 && words[0].Length >= 5 && words[0][1] == '.' && char.IsAsciiDigit(words[0][0]))
        {
            return words[0];
        }

        return reply.IsPositive ? "2.0.0" : reply.IsPermanent ? "5.0.0" : "4.0.0";
    }
}
