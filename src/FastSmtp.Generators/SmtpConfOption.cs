namespace FastSmtp.Generators;

/// <summary>One smtp.conf key: the IPolicy property it compiles to, what its value may be, and its default.</summary>
internal sealed record SmtpConfOption(string Key, string Property, SmtpConfOptionKind Kind, string Default);
