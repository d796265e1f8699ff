namespace FastSmtp.Hosting;

/// <summary>What a reload did: <see cref="Answer"/> is the line `policy reload` prints.</summary>
public sealed record ReloadResult(bool Succeeded, string Answer);
