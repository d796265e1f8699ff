namespace FastSmtp.Policy;

/// <summary>What a local address names (VRFY, EXPN).</summary>
public readonly record struct LocalName(LocalNameKind Kind, int Entry);
