using System.Text;
using FastSmtp.Policy;
using FastSmtp.Protocol;

namespace FastSmtp.Delivery;

public sealed partial class DeliveryAgent
{
    /// <summary>
    /// Local recipients into Maildir, each with Return-Path and Delivered-To
    /// fields in front, as Postfix's local delivery writes them. Recipients arrive expanded (the
    /// session expands aliases and groups when it accepts them), so each is a user or postmaster.
    /// </summary>
    private void DeliverLocal(DeliveryJob job)
    {
        MessagePass pass = job.Pass;
        try
        {
            LoadedMessage loaded = pass.Message();
            foreach (int i in job.Recipients)
            {
                string address = pass.Entry.Recipients[i].Address;
                NextHopReply reply = loaded.IsLooping ? LoopReply(loaded) : DeliverLocal(loaded, address);
                pass.Outcomes[i] = reply;
                LogDelivery(_logger, pass.Entry.QueueId, address, "maildir", reply);
            }
        }
        finally
        {
            job.RecordThenFinish(_spool);
        }
    }

    private NextHopReply DeliverLocal(LoadedMessage loaded, string address)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(address);

        // One policy for the whole decision, even if a reload lands in the middle of it.
        SecurityPolicy policy = _policy.Current;
        if (policy.LocalMailbox(utf8, out ReadOnlySpan<byte> canonicalHost, out string user) is not { } mailbox)
        {
            return TransportOf(address[(address.LastIndexOf('@') + 1)..]) == TransportRoute.Local
                ? DeliverToDomainMaildir(loaded, address)
                : new NextHopReply(550, $"5.1.1 <{address}>: not a local address");
        }

        LocalNameKind kind = policy.FindLocal(utf8).Kind;
        if (kind != LocalNameKind.User && user != "postmaster")
        {
            // The policy changed since the message was accepted.
            return new NextHopReply(550, $"5.1.1 <{address}>: user unknown");
        }

        return WriteMaildir(loaded, Encoding.ASCII.GetString(canonicalHost), user, mailbox);
    }

    /// <summary>
    /// A domain transport.txt routes "local": into &lt;mail-dir&gt;/&lt;domain&gt;/&lt;local-part&gt;, for any
    /// local part that can name a folder (letters, digits, '.', '_', '+', '-', not leading '.');
    /// the domain's mailboxes are whatever its mail is addressed to, as with a catch-all.
    /// </summary>
    private NextHopReply DeliverToDomainMaildir(LoadedMessage loaded, string address)
    {
        int at = address.LastIndexOf('@');
        string user = address[..at].ToLowerInvariant();
        string domain = address[(at + 1)..].ToLowerInvariant();
        if (user.Length == 0 || user[0] == '.' || !user.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-'))
        {
            return new NextHopReply(550, $"5.1.3 <{address}>: this local part cannot name a mailbox");
        }

        return WriteMaildir(loaded, domain, user, user + "@" + domain);
    }

    /// <summary>The message into &lt;mail-dir&gt;/&lt;host&gt;/&lt;user&gt;, after a Return-Path and a Delivered-To field.</summary>
    private NextHopReply WriteMaildir(LoadedMessage loaded, string host, string user, string mailbox)
    {
        byte[] trace = Encoding.UTF8.GetBytes($"Return-Path: <{loaded.Message.MailFrom}>\r\nDelivered-To: {mailbox}\r\n");
        try
        {
            _maildir.Deliver(host, user, trace, loaded.Body);
            return new NextHopReply(250, "2.0.0 delivered to maildir");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new NextHopReply(451, "4.3.0 cannot write to the mailbox: " + exception.Message);
        }
    }
}
