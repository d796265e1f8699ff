namespace FastSmtp.Policy;

/// <summary>A tests.txt expectation, compiled into the server and run by `policy check`.</summary>
public sealed record PolicyTest(string ClientIp, string Sender, string Recipient, string? Auth, string Expect, int Line, int Column);
