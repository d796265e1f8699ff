namespace FastSmtp.Generators.Model;

/// <summary>A tests.txt expectation.</summary>
internal sealed record PolicyTestCase(string ClientIp, string Sender, string Recipient, string? Auth, string Expect, int Line, int ExpectColumn);
