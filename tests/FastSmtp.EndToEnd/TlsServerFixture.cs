namespace FastSmtp.EndToEnd;

/// <summary>A server with STARTTLS, its certificate made for the run.</summary>
public sealed class TlsServerFixture : ServerFixture
{
    private readonly string _certificates = Path.Combine(Path.GetTempPath(), "fastsmtp-cert-" + Guid.NewGuid().ToString("N"));

    protected override string[] Arguments()
    {
        (string certificate, string key) = TestCertificate.Create(_certificates);
        return ["--tls-cert", certificate, "--tls-key", key];
    }
}
