using System.Net;
using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// Runs a client, sender and recipient through the checks a session makes, in its order:
/// deny.txt at connect, kill.lst at MAIL, the recipient rules at RCPT. No network: the rules
/// that need DNS (dnsbl, the backup-server rule) count as no match.
/// </summary>
public static class PolicyEvaluator<TPolicy>
    where TPolicy : struct, IPolicy
{
    public static PolicyEvaluation Evaluate(IPAddress client, string sender, string recipient, string? authenticatedUser)
    {
        PolicyDecision decision = PolicyEngine<TPolicy>.CheckClient(client);
        if (decision.Accepted)
        {
            decision = PolicyEngine<TPolicy>.CheckSender(Encoding.UTF8.GetBytes(sender));
        }

        if (decision.Accepted)
        {
            decision = PolicyEngine<TPolicy>.CheckRecipient(client, Encoding.UTF8.GetBytes(sender), Encoding.UTF8.GetBytes(recipient), IsLocalUser(authenticatedUser));
        }

        string reply = decision.Accepted ? "accept" : PolicyReplies.Text(decision.Outcome, recipient);
        return new PolicyEvaluation(decision, reply, Describe(decision));
    }

    /// <summary>
    /// <see cref="Evaluate"/>, then the rules that need DNS as a session asks them: the
    /// backup-server rule for a refused relay, dnsbl for an accepted recipient.
    /// </summary>
    public static async Task<PolicyEvaluation> EvaluateAsync(IPAddress client, string sender, string recipient, string? authenticatedUser, IPolicyDns dns, CancellationToken cancellationToken)
    {
        PolicyEvaluation withoutDns = Evaluate(client, sender, recipient, authenticatedUser);
        bool authenticated = IsLocalUser(authenticatedUser);
        if (!PolicyEngine<TPolicy>.NeedsDns(withoutDns.Decision, Encoding.UTF8.GetBytes(recipient), client, authenticated, dns: true))
        {
            return withoutDns;
        }

        string[] zones = TPolicy.Dnsbl.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        RecipientDnsDecision result = await PolicyEngine<TPolicy>.CheckRecipientDnsAsync(withoutDns.Decision, recipient, client, authenticated, zones, dns, cancellationToken);
        string reply = result.ListingZone is { } zone ? PolicyReplies.ClientListed(client.ToString(), zone)
            : result.Decision.Accepted ? "accept"
            : PolicyReplies.Text(result.Decision.Outcome, recipient);
        return new PolicyEvaluation(result.Decision, reply, Describe(result.Decision) + (result.ListingZone is null ? string.Empty : " (" + result.ListingZone + ")"));
    }

    /// <summary>`--auth user@host` counts as a session authenticated as that user only when the user exists.</summary>
    private static bool IsLocalUser(string? user) =>
        user is not null && PolicyEngine<TPolicy>.FindLocal(Encoding.UTF8.GetBytes(user)).Kind == LocalNameKind.User;

    /// <summary>The rule in words: file:line first, then what it means.</summary>
    public static string Describe(PolicyDecision decision)
    {
        string relay = TPolicy.Relay.ConfigValue();
        string meaning = decision.Reason switch
        {
            PolicyReason.LocalUser => "the recipient is a local user",
            PolicyReason.LocalAlias => "the recipient is a local alias",
            PolicyReason.LocalGroup => "the recipient is a local group",
            PolicyReason.Postmaster => "every local host accepts mail for postmaster (RFC 5321 4.5.1)",
            PolicyReason.UnknownLocalRecipient => "the recipient's host is local, but it has no such user, alias or group",
            PolicyReason.GroupsClosedToRemoteMail => "allow-remote-mail-to-groups = no, and the session has not authenticated",
            PolicyReason.Authenticated => "an authenticated session may relay",
            PolicyReason.RelayAnyone => "relay = anyone",
            PolicyReason.ClientInRelayList => "relay = addresses, and the client is in relay.txt",
            PolicyReason.RecipientInRelayList => "relay = addresses, and the recipient's host is an address in relay.txt",
            PolicyReason.SenderHostIsLocal => "relay = local-hosts, and the sender's domain is a local host",
            PolicyReason.SenderHostAccepted => "relay = local-hosts, and the sender's domain is in accept.txt",
            PolicyReason.ClientAccepted => "relay = local-hosts, and the client is in accept.txt",
            PolicyReason.SenderIsLocalUser => "relay = local-users, and the sender is a local user",
            PolicyReason.SenderAccepted => "relay = local-users, and the sender is in accept.txt",
            PolicyReason.RelayNotAllowed => $"relay = {relay}, and no rule allows relaying for this client, sender and recipient",
            PolicyReason.SenderInKillList => "the sender is in kill.lst",
            PolicyReason.SenderDomainInKillList => "the sender's domain is in kill.lst",
            PolicyReason.ClientInDenyList => "the client is in deny.txt",
            PolicyReason.VrfyDisabled => "disable-vrfy = yes: VRFY confirms nothing",
            PolicyReason.NotLocal => "the address is not on a local host: the server will not say whether it exists",
            PolicyReason.NotAGroup => "the address is not a local group",
            PolicyReason.GroupsClosedToRemoteView => "allow-remote-view-of-groups = no, and the session has not authenticated",
            PolicyReason.AuthOverTls => "AUTH after STARTTLS",
            PolicyReason.AuthOnLoopback => "AUTH on a loopback connection, where nothing can listen in",
            PolicyReason.AuthWithoutTls => "AUTH is offered only after STARTTLS, except on loopback",
            PolicyReason.BadCredentials => "no such user with that password in users.txt",
            PolicyReason.HackAttempt => "auto-deny-hack-attempts = yes: a command line over 512 octets denies the client until restart",
            PolicyReason.HackAttemptsTolerated => "auto-deny-hack-attempts = no",
            PolicyReason.ReplyToRequired => "check-valid-sender = yes: a message from <> must carry a Reply-To holding user@host",
            PolicyReason.ReplyToFound => "the message carries a Reply-To holding user@host",
            PolicyReason.ClientListed => "a dnsbl zone lists the client",
            PolicyReason.AutoDenied => "auto-deny-hack-attempts = yes, and the client was denied for a hack attempt (until restart)",
            PolicyReason.DomainNotInNormalForm => "the domain is not as its UTS #46 mapping writes it (look-alike, invisible or unmappable characters), so no table is asked",
            _ => "no rule refuses it",
        };
        return decision.RuleText + ": " + meaning;
    }
}
