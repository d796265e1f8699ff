using System.Text;
using FastSmtp.Delivery;
using FastSmtp.Protocol;
using FastSmtp.Queue;
using MimeKit;

namespace FastSmtp.Tests.Delivery;

public class BounceBuilderTests
{
    private static readonly byte[] s_original = Encoding.ASCII.GetBytes(
        "Received: from c.example\r\nFrom: fred@widget.com\r\nTo: bob@remote.example\r\nSubject: hello\r\nMessage-Id: <1@widget.com>\r\n\r\nthe body text\r\n");

    [Fact]
    public void A_bounce_is_a_multipart_report_to_the_envelope_sender()
    {
        SpooledMessage original = Original("fred@widget.com", DsnReturn.Default, envelopeId: "QQ314159");
        BounceBuilder.ReportedRecipient[] failed =
        [
            new("bob@remote.example", "rfc822;bob@remote.example", new NextHopReply(550, "5.1.1 <bob@remote.example>: user unknown")),
            new("ann@slow.example", null, new NextHopReply(451, "4.4.1 no answer from host")),
        ];

        MimeMessage bounce = BounceBuilder.Build(original, failed, "mx.local.test", DateTimeOffset.UtcNow)!;
        MimeMessage parsed = Reparse(bounce);

        Assert.Equal("fred@widget.com", parsed.To.Mailboxes.Single().Address);
        Assert.Equal("MAILER-DAEMON@mx.local.test", parsed.From.Mailboxes.Single().Address);
        Assert.Equal("auto-replied", parsed.Headers["Auto-Submitted"]);
        var report = Assert.IsType<MultipartReport>(parsed.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        Assert.Contains("<bob@remote.example>: 550 5.1.1", ((TextPart)report[0]).Text);

        string status = Encoding.ASCII.GetString(((MimePart)report[1]).Content!.Open().ReadAllBytes());
        Assert.Contains("Reporting-MTA: dns; mx.local.test\r\n", status);
        Assert.Contains("Original-Envelope-Id: QQ314159\r\n", status);
        Assert.Contains("Original-Recipient: rfc822;bob@remote.example\r\nFinal-Recipient: rfc822; bob@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <bob@remote.example>: user unknown\r\n", status);
        Assert.Contains("Final-Recipient: rfc822; ann@slow.example\r\nAction: failed\r\nStatus: 4.4.1\r\n", status);

        var returned = Assert.IsType<MessagePart>(report[2]);
        Assert.Equal("hello", returned.Message!.Subject);
        Assert.Contains("the body text", returned.Message!.TextBody!);
    }

    [Fact]
    public void A_delivery_asked_for_with_notify_success_is_reported_as_delivered()
    {
        MimeMessage report = BounceBuilder.Build(
            Original("fred@widget.com", DsnReturn.Default, null),
            [new("bob@remote.example", null, new NextHopReply(250, "2.0.0 Ok: queued as 1234"), Delivered: true)],
            "mx.local.test",
            DateTimeOffset.UtcNow)!;

        Assert.Equal("Successful Mail Delivery Report", report.Subject);
        var parts = (MultipartReport)Reparse(report).Body!;
        string status = Encoding.ASCII.GetString(((MimePart)parts[1]).Content!.Open().ReadAllBytes());
        Assert.Contains("Final-Recipient: rfc822; bob@remote.example\r\nAction: delivered\r\nStatus: 2.0.0\r\n", status);
    }

    [Fact]
    public void Ret_hdrs_returns_only_the_headers()
    {
        MimeMessage bounce = BounceBuilder.Build(Original("fred@widget.com", DsnReturn.Headers, null), [new("bob@remote.example", null, new NextHopReply(550, "no"))], "mx.local.test", DateTimeOffset.UtcNow)!;

        var report = Assert.IsType<MultipartReport>(Reparse(bounce).Body);
        var headers = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.Equal("text/rfc822-headers", headers.ContentType.MimeType);
        Assert.Equal("hello", headers.Message!.Subject);
        Assert.True(string.IsNullOrEmpty(headers.Message!.TextBody));
    }

    [Fact]
    public void The_null_sender_never_gets_a_bounce()
    {
        Assert.Null(BounceBuilder.Build(Original(string.Empty, DsnReturn.Default, null), [new("bob@remote.example", null, new NextHopReply(550, "no"))], "mx.local.test", DateTimeOffset.UtcNow));
    }

    private static SpooledMessage Original(string from, DsnReturn dsnReturn, string? envelopeId) =>
        new(QueueId.Next(), DateTimeOffset.UtcNow, "192.0.2.1", "c.example", MessageProtocol.Esmtp, from, false, false, dsnReturn, envelopeId,
            [new SpoolRecipient("bob@remote.example", RecipientNotify.Default, null)], s_original);

    [Fact]
    public void On_the_wire_every_line_ends_in_crlf()
    {
        MimeMessage bounce = BounceBuilder.Build(Original("fred@widget.com", DsnReturn.Default, null), [new("bob@remote.example", null, new NextHopReply(550, "no"))], "mx.local.test", DateTimeOffset.UtcNow)!;
        byte[] wire = BounceBuilder.ToWireBytes(bounce);

        var validator = new FastSmtp.Protocol.LineEndingValidator();
        validator.Reset();
        validator.Check(wire);
        validator.Complete();
        Assert.False(validator.SawBareLineEnding);
    }

    private static MimeMessage Reparse(MimeMessage message) => MimeMessage.Load(new MemoryStream(BounceBuilder.ToWireBytes(message)));
}
