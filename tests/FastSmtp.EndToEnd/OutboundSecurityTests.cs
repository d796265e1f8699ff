using System.Net;
using System.Net.Sockets;
using FastSmtp.EndToEnd.Peers;
using FastSmtp.Queue;

namespace FastSmtp.EndToEnd;

/// <summary>
/// The relay to a provider's smarthost as operators configure Postfix's relayhost: AUTH and
/// verified TLS against a real Postfix with Cyrus SASL (STARTTLS and TLS from the first byte),
/// and next hops that offer no STARTTLS, show the wrong certificate or break the handshake:
/// encrypt and verify defer and never send in plain text, may carries on.
/// </summary>
public sealed class OutboundSecurityTests : IDisposable
{
    private const string Password = "s3cret-Pa55word";

    private readonly string _work = Path.Combine(Path.GetTempPath(), "fastsmtp-outbound-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Mail_reaches_a_postfix_smarthost_with_auth_over_verified_tls_and_wrong_credentials_only_defer_it()
    {
        (string certificate, string key) = TestCertificate.Create(Path.Combine(_work, "tls"));
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using PostfixInstance postfix = await PostfixInstance.StartAsync(sink.Port, (certificate, key), ("relayuser", Password));

        await using (ServerProcess wrong = await ServerProcess.StartAsync(Smarthost(postfix.Port, "verify", certificate, Credentials("relayuser:not-the-password"))))
        {
            string waiting = await DeliveryTests.SendAsync(wrong.Port, "alice@client.test", ["far@remote.example"], "wrong password");
            QueuedRecipient deferred = Assert.Single(await DeliveryTests.WaitForQueueAsync(wrong.Spool, queue => queue is [{ State: RecipientState.Deferred }]));
            Assert.Equal(waiting, deferred.QueueId.ToString());
            Assert.True(deferred.LastResponse!.Contains("4.7.8 authentication to the next hop failed: 535", StringComparison.Ordinal), deferred.LastResponse);
            Assert.DoesNotContain("not-the-password", wrong.Output);
        }

        await using ServerProcess server = await ServerProcess.StartAsync(Smarthost(postfix.Port, "verify", certificate, Credentials("relayuser:" + Password)));
        await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["far@remote.example"], "authenticated");

        string dump = Assert.Single(await sink.WaitForMessagesAsync(1, context: () => postfix.Log));
        Assert.Contains("Subject: authenticated", dump);
        Assert.Contains("(using TLSv1.", dump);
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue.Count == 0));
        Assert.Contains("sasl_method=PLAIN, sasl_username=relayuser", postfix.Log);
        Assert.DoesNotContain(Password, server.Output);
        Assert.DoesNotContain("wrong password", sink.Messages().Single());
    }

    [SkippableFact]
    public async Task Implicit_tls_speaks_tls_from_the_first_byte_and_verifies_the_host()
    {
        (string certificate, string key) = TestCertificate.Create(Path.Combine(_work, "tls"));
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using PostfixInstance postfix = await PostfixInstance.StartAsync(sink.Port, (certificate, key), ("relayuser", Password));
        // The credentials file named by the variable packaging/fastsmtp.service.d/credentials.conf sets.
        await using ServerProcess server = await ServerProcess.StartWithEnvironmentAsync(
            new Dictionary<string, string> { ["FASTSMTP_SMARTHOSTAUTH"] = Credentials("relayuser:" + Password) },
            Smarthost(postfix.ImplicitTlsPort, "implicit", certificate, null));

        await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["far@remote.example"], "port 465");

        Assert.Contains("Subject: port 465", Assert.Single(await sink.WaitForMessagesAsync(1, context: () => postfix.Log + server.Output)));
        Assert.Contains("sasl_username=relayuser", postfix.Log);
    }

    [SkippableFact]
    public async Task A_next_hop_without_starttls_gets_nothing_at_encrypt_and_the_mail_at_may()
    {
        await using SmtpSink sink = await SmtpSink.StartAsync();
        await using (ServerProcess strict = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{sink.Port}", "--smarthost-tls", "encrypt"))
        {
            await DeliveryTests.SendAsync(strict.Port, "alice@client.test", ["far@remote.example"], "never in clear");
            QueuedRecipient deferred = Assert.Single(await DeliveryTests.WaitForQueueAsync(strict.Spool, queue => queue is [{ State: RecipientState.Deferred }]));
            Assert.Contains("4.7.4 TLS is required for this next hop, and the next hop does not offer STARTTLS", deferred.LastResponse);
            Assert.Empty(sink.Messages());
        }

        await using ServerProcess opportunistic = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{sink.Port}", "--smarthost-tls", "may");
        await DeliveryTests.SendAsync(opportunistic.Port, "alice@client.test", ["far@remote.example"], "plain is fine");
        Assert.Contains("Subject: plain is fine", Assert.Single(await sink.WaitForMessagesAsync(1)));
    }

    [SkippableFact]
    public async Task A_certificate_for_another_host_is_refused_at_verify_and_taken_at_encrypt()
    {
        (string trusted, _) = TestCertificate.Create(Path.Combine(_work, "trusted"));
        (string wrongCertificate, string wrongKey) = TestCertificate.Create(Path.Combine(_work, "wrong"), "wrong.test", forLoopbackAddress: false);
        await using ServerProcess nextHop = await ServerProcess.StartAsync("--tls-cert", wrongCertificate, "--tls-key", wrongKey, "--hostname", "wrong.test");

        await using (ServerProcess verifying = await ServerProcess.StartAsync(Smarthost(nextHop.Port, "verify", trusted, null)))
        {
            await DeliveryTests.SendAsync(verifying.Port, "alice@client.test", ["far@remote.example"], "verified only");
            QueuedRecipient deferred = Assert.Single(await DeliveryTests.WaitForQueueAsync(verifying.Spool, queue => queue is [{ State: RecipientState.Deferred }]));
            Assert.Contains("4.7.4 TLS is required for this next hop, and TLS handshake failed", deferred.LastResponse);
            Assert.Empty(nextHop.ReadSpool());
        }

        // Its own certificate trusted, the name still wrong: refused too.
        await using (ServerProcess misnamed = await ServerProcess.StartAsync(Smarthost(nextHop.Port, "verify", wrongCertificate, null)))
        {
            await DeliveryTests.SendAsync(misnamed.Port, "alice@client.test", ["far@remote.example"], "wrong name");
            Assert.Single(await DeliveryTests.WaitForQueueAsync(misnamed.Spool, queue => queue is [{ State: RecipientState.Deferred }]));
            Assert.Empty(nextHop.ReadSpool());
        }

        await using ServerProcess encrypting = await ServerProcess.StartAsync("--smarthost", $"127.0.0.1:{nextHop.Port}", "--smarthost-tls", "encrypt");
        await DeliveryTests.SendAsync(encrypting.Port, "alice@client.test", ["far@remote.example"], "encrypted anyway");
        Assert.Empty(await DeliveryTests.WaitForQueueAsync(encrypting.Spool, queue => queue.Count == 0));
        Assert.Contains(nextHop.ReadSpool(), message => message.Body.AsSpan().IndexOf("Subject: encrypted anyway"u8) >= 0);
    }

    [SkippableFact]
    public async Task A_broken_handshake_defers_at_encrypt_and_never_falls_back_to_plain_text()
    {
        using var peer = new TcpListener(IPAddress.Loopback, 0);
        peer.Start();
        using var stop = new CancellationTokenSource();
        Task serving = HostileNextHopTests.ServeBrokenTlsThenPlainAsync(peer, stop.Token);
        await using ServerProcess server = await ServerProcess.StartAsync("--smarthost", peer.LocalEndpoint.ToString()!, "--smarthost-tls", "encrypt");

        await DeliveryTests.SendAsync(server.Port, "alice@client.test", ["u@remote.example"], "not in plain text");

        QueuedRecipient deferred = Assert.Single(await DeliveryTests.WaitForQueueAsync(server.Spool, queue => queue is [{ State: RecipientState.Deferred }]));
        Assert.Contains("4.7.4 TLS is required for this next hop, and TLS handshake failed", deferred.LastResponse);
        Assert.DoesNotContain("accepted in plain text", server.Output);
        Assert.DoesNotContain("delivering in plain text", server.Output);
        await stop.CancelAsync();
        peer.Stop();
        await serving.ContinueWith(_ => { });
    }

    [SkippableFact]
    public async Task A_missing_credentials_file_or_a_bad_level_is_a_start_up_error()
    {
        (int exit, string output) = await DeliveryTests.RunCliAsync("--listen", "127.0.0.1:0", "--spool", Path.Combine(_work, "spool"), "--smarthost", "127.0.0.1:2525", "--smarthost-auth", Path.Combine(_work, "missing"));
        Assert.Equal(2, exit);
        Assert.Contains("cannot read --smarthost-auth", output);

        (exit, output) = await DeliveryTests.RunCliAsync("--listen", "127.0.0.1:0", "--spool", Path.Combine(_work, "spool"), "--smarthost-tls", "sometimes");
        Assert.Equal(2, exit);
        Assert.Contains("--smarthost-tls must be none, may, encrypt, verify or implicit", output);
    }

    private string Credentials(string line)
    {
        Directory.CreateDirectory(_work);
        string file = Path.Combine(_work, "auth-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, line + "\n");
        return file;
    }

    private static string[] Smarthost(int port, string level, string trustedRoots, string? credentials) =>
        [
            "--smarthost", $"127.0.0.1:{port}",
            "--smarthost-tls", level,
            "--smarthost-tls-ca", trustedRoots,
            .. credentials is null ? Array.Empty<string>() : ["--smarthost-auth", credentials],
        ];
}
