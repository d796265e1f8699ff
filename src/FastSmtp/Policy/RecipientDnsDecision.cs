namespace FastSmtp.Policy;

/// <summary>A RCPT decision once DNS has answered: the decision, and the dnsbl zone that listed the client (then refused 554).</summary>
public readonly record struct RecipientDnsDecision(PolicyDecision Decision, string? ListingZone);
