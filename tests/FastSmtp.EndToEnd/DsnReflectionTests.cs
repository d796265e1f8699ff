using FastSmtp.EndToEnd.Peers;

namespace FastSmtp.EndToEnd;

/// <summary>
/// DSN reflection: an outsider (unauthenticated, not in relay.txt) forges a third party's
/// address as the sender and asks for a success report with the whole message. The report
/// reaches the third party, but carries the message's headers only; a trusted client's report
/// still carries the message.
/// </summary>
public class DsnReflectionTests
{
    [SkippableFact]
    public async Task An_outsiders_message_never_leaves_in_a_delivery_report_but_a_trusted_clients_does()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using ServerProcess server = await ServerProcess.StartWithPolicyAsync("strict", "--smarthost", $"127.0.0.1:{sink.Port}");

        await SendForReportAsync(server.Port, RawSmtpClient.NextSourceAddress(), "victim@third.example", "outsider-content-7f3a");
        await SendForReportAsync(server.Port, "127.0.0.1", "partner@third.example", "trusted-content-9c1e");

        List<string> reports = await sink.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30), () => server.Output);
        string reflected = Assert.Single(reports, report => report.Contains("victim@third.example", StringComparison.Ordinal));
        Assert.Contains("Successful Mail Delivery Report", reflected);
        Assert.Contains("text/rfc822-headers", reflected);
        Assert.DoesNotContain("outsider-content-7f3a", reflected);

        string trusted = Assert.Single(reports, report => report.Contains("partner@third.example", StringComparison.Ordinal));
        Assert.Contains("message/rfc822", trusted);
        Assert.Contains("trusted-content-9c1e", trusted);
    }

    /// <summary>To a local user, NOTIFY=SUCCESS, RET=FULL, from <paramref name="sender"/>; the content only in the body.</summary>
    private static async Task SendForReportAsync(int port, string source, string sender, string content)
    {
        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(port, source);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{sender}> RET=FULL"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<fred@mail.e2e.test> NOTIFY=SUCCESS"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        Assert.StartsWith("250", await client.CommandAsync($"From: <{sender}>\r\nSubject: please report\r\n\r\n{content}\r\n."));
    }
}
