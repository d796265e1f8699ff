using System.Net;
using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Policy;

/// <summary>
/// The SMTP security model (relay modes, accept.txt, kill.lst, local groups, deny.txt) over a compiled policy. Generic over the
/// policy struct, so every smtp.conf option is a constant here and the JIT drops the branches
/// of modes not chosen. Every method allocates nothing for ASCII addresses.
/// </summary>
public static class PolicyEngine<TPolicy>
    where TPolicy : struct, IPolicy
{
    /// <summary>deny.txt at connect (the auto-deny list is checked by the caller, which owns it).</summary>
    public static PolicyDecision CheckClient(IPAddress client)
    {
        client = ClientAddress.Unmapped(client);
        Span<byte> bytes = stackalloc byte[16];
        client.TryWriteBytes(bytes, out int length);
        int line = TPolicy.FindDeny(bytes[..length]);
        return line != 0
            ? new PolicyDecision(PolicyOutcome.ClientDenied, PolicyReason.ClientInDenyList, PolicyFile.DenyTxt, line)
            : new PolicyDecision(PolicyOutcome.Accept, PolicyReason.ClientAllowed, PolicyFile.None, 0);
    }

    /// <summary>
    /// At connect: a client the server denied for a hack attempt (auto-deny-hack-attempts, until
    /// restart), then deny.txt.
    /// </summary>
    public static PolicyDecision CheckClient(IPAddress client, AutoDenyList autoDenied) =>
        autoDenied.IsDenied(ClientAddress.Unmapped(client))
            ? new PolicyDecision(PolicyOutcome.ClientDenied, PolicyReason.AutoDenied, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.AutoDenyHackAttempts)))
            : CheckClient(client);

    /// <summary>The relay.txt line holding <paramref name="address"/>, or 0.</summary>
    public static int RelayLine(IPAddress address)
    {
        address = ClientAddress.Unmapped(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        return TPolicy.FindRelay(bytes[..length]);
    }

    /// <summary>kill.lst at MAIL FROM: user@host and @host exactly, @*suffix as a string suffix of the domain.</summary>
    public static PolicyDecision CheckSender(ReadOnlySpan<byte> sender)
    {
        if (sender.IsEmpty)
        {
            return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.SenderAllowed, PolicyFile.None, 0);
        }

        Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
        int length = AddressNormalizer.Normalize(sender, buffer);
        if (length == AddressNormalizer.DomainRefused)
        {
            return new PolicyDecision(PolicyOutcome.SenderDomainRefused, PolicyReason.DomainNotInNormalForm, PolicyFile.None, 0);
        }

        ReadOnlySpan<byte> address = length < 0 ? sender : buffer[..length];
        int entry = TPolicy.FindKill(address);
        if (entry >= 0)
        {
            return new PolicyDecision(PolicyOutcome.SenderKilled, PolicyReason.SenderInKillList, PolicyFile.KillLst, TPolicy.KillLine(entry));
        }

        int at = address.LastIndexOf((byte)'@');
        if (at >= 0)
        {
            entry = TPolicy.FindKill(address[at..]);
            if (entry >= 0)
            {
                return new PolicyDecision(PolicyOutcome.SenderKilled, PolicyReason.SenderDomainInKillList, PolicyFile.KillLst, TPolicy.KillLine(entry));
            }

            int line = TPolicy.MatchKillSuffix(address[(at + 1)..]);
            if (line != 0)
            {
                return new PolicyDecision(PolicyOutcome.SenderKilled, PolicyReason.SenderDomainInKillList, PolicyFile.KillLst, line);
            }
        }

        return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.SenderAllowed, PolicyFile.None, 0);
    }

    /// <summary>RCPT: a local recipient must exist; any other is relayed, if the relay mode allows it.</summary>
    public static PolicyDecision CheckRecipient(IPAddress client, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> recipient, bool authenticated)
    {
        client = ClientAddress.Unmapped(client);
        Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
        int length = AddressNormalizer.Normalize(recipient, buffer);
        if (length == AddressNormalizer.DomainRefused)
        {
            return new PolicyDecision(PolicyOutcome.RecipientDomainRefused, PolicyReason.DomainNotInNormalForm, PolicyFile.None, 0);
        }

        if (length < 0)
        {
            return Relay(client, sender, default, authenticated);
        }

        ReadOnlySpan<byte> address = buffer[..length];
        int at = address.LastIndexOf((byte)'@');
        if (at < 0)
        {
            // RFC 5321 4.1.1.3: <postmaster> without a domain is the primary host's postmaster.
            return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.Postmaster, PolicyFile.None, 0);
        }

        int host = TPolicy.FindHost(address[(at + 1)..]);
        return host >= 0
            ? CheckLocal(address[..at], host, authenticated)
            : Relay(client, sender, address[(at + 1)..], authenticated);
    }

    /// <summary>
    /// VRFY: 250 for a local user, alias or group; 550 for a local host's unknown name; 252 (will
    /// not say) for anything else, as RFC 5321 3.5.3 allows; 502 for every address under
    /// disable-vrfy = yes, which then confirms nothing.
    /// </summary>
    public static PolicyDecision Verify(ReadOnlySpan<byte> address)
    {
        if (TPolicy.DisableVrfy)
        {
            return new PolicyDecision(PolicyOutcome.VrfyDisabled, PolicyReason.VrfyDisabled, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.DisableVrfy)));
        }

        LocalName name = FindLocal(address);
        return name.Kind switch
        {
            LocalNameKind.User => new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalUser, PolicyFile.UsersTxt, TPolicy.UserLine(name.Entry)),
            LocalNameKind.Alias => new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalAlias, PolicyFile.AliasesTxt, TPolicy.AliasLine(name.Entry)),
            LocalNameKind.Group => new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalGroup, PolicyFile.GroupsTxt, TPolicy.GroupLine(name.Entry)),
            LocalNameKind.Unknown => new PolicyDecision(PolicyOutcome.UserUnknown, PolicyReason.UnknownLocalRecipient, PolicyFile.HostsTxt, TPolicy.HostLine(name.Entry)),
            _ => new PolicyDecision(PolicyOutcome.CannotVerify, PolicyReason.NotLocal, PolicyFile.None, 0),
        };
    }

    /// <summary>
    /// EXPN: a local group's members, to an authenticated session or under
    /// allow-remote-view-of-groups = yes (a session is remote unless it authenticated, loopback
    /// included); <paramref name="group"/> is the group's entry when accepted.
    /// </summary>
    public static PolicyDecision ExpandGroup(ReadOnlySpan<byte> address, bool authenticated, out int group)
    {
        LocalName name = FindLocal(address);
        group = name.Kind == LocalNameKind.Group ? name.Entry : -1;
        if (group < 0)
        {
            return new PolicyDecision(PolicyOutcome.NotAGroup, PolicyReason.NotAGroup, PolicyFile.None, 0);
        }

        if (authenticated || TPolicy.AllowRemoteViewOfGroups)
        {
            return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalGroup, PolicyFile.GroupsTxt, TPolicy.GroupLine(group));
        }

        group = -1;
        return new PolicyDecision(PolicyOutcome.GroupsConfidential, PolicyReason.GroupsClosedToRemoteView, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.AllowRemoteViewOfGroups)));
    }

    /// <summary>
    /// Whether a RCPT decision waits for DNS: an accepted recipient when dnsbl zones are set (unless
    /// the session authenticated, or the client is in relay.txt and skip-antispam-for-relay-addresses
    /// = yes), and, under relay = addresses, a refused relay to a domain name (the backup-server rule:
    /// one of its mail hosts may be in relay.txt). <paramref name="dns"/> is false without a resolver.
    /// </summary>
    public static bool NeedsDns(PolicyDecision decision, ReadOnlySpan<byte> recipient, IPAddress client, bool authenticated, bool dns)
    {
        if (!dns || authenticated)
        {
            return false;
        }

        if (decision.Accepted)
        {
            return TPolicy.Dnsbl.Length > 0 && !(TPolicy.SkipAntispamForRelayAddresses && RelayLine(client) != 0);
        }

        return decision.Outcome == PolicyOutcome.RelayDenied && TPolicy.Relay == RelayMode.Addresses
            && recipient.LastIndexOf((byte)'@') is int at and >= 0 && at + 1 < recipient.Length && recipient[at + 1] != (byte)'[';
    }

    /// <summary>
    /// The DNS half of RCPT, for a decision <see cref="NeedsDns"/> held: the backup-server rule
    /// turns a refused relay into an accept when one of the domain's mail hosts is in relay.txt;
    /// then an accepted recipient is refused when a dnsbl zone lists the client.
    /// </summary>
    public static async Task<RecipientDnsDecision> CheckRecipientDnsAsync(PolicyDecision decision, string recipient, IPAddress client, bool authenticated, IReadOnlyList<string> zones, IPolicyDns dns, CancellationToken cancellationToken)
    {
        if (!decision.Accepted)
        {
            foreach (IPAddress address in await dns.MailHostAddressesAsync(recipient[(recipient.LastIndexOf('@') + 1)..], cancellationToken))
            {
                if (RelayLine(address) is int line and not 0)
                {
                    decision = new PolicyDecision(PolicyOutcome.Accept, PolicyReason.RecipientInRelayList, PolicyFile.RelayTxt, line);
                    break;
                }
            }

            if (!decision.Accepted || !NeedsDns(decision, default, client, authenticated, dns: true))
            {
                return new RecipientDnsDecision(decision, null);
            }
        }

        return await dns.ListingZoneAsync(zones, client, cancellationToken) is { } zone
            ? new RecipientDnsDecision(new PolicyDecision(PolicyOutcome.ClientListed, PolicyReason.ClientListed, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.Dnsbl))), zone)
            : new RecipientDnsDecision(decision, null);
    }

    /// <summary>AUTH may be used after STARTTLS, or on a loopback connection where nothing can listen in.</summary>
    public static PolicyDecision CheckAuthAllowed(bool tls, IPAddress client) =>
        tls ? new PolicyDecision(PolicyOutcome.Accept, PolicyReason.AuthOverTls, PolicyFile.None, 0)
        : IPAddress.IsLoopback(ClientAddress.Unmapped(client)) ? new PolicyDecision(PolicyOutcome.Accept, PolicyReason.AuthOnLoopback, PolicyFile.None, 0)
        : new PolicyDecision(PolicyOutcome.AuthNeedsTls, PolicyReason.AuthWithoutTls, PolicyFile.None, 0);

    /// <summary>EHLO lists AUTH where it may be used, unless disable-auth-reporting = yes hides it.</summary>
    public static bool AdvertisesAuth(bool tls, IPAddress client) => !TPolicy.DisableAuthReporting && CheckAuthAllowed(tls, client).Accepted;

    /// <summary>
    /// A command line over 512 octets outside DATA: under auto-deny-hack-attempts = yes an attempt
    /// to break in, which denies the client until restart; otherwise only refused.
    /// </summary>
    public static PolicyDecision CheckOverlongLine() => TPolicy.AutoDenyHackAttempts
        ? new PolicyDecision(PolicyOutcome.ClientDenied, PolicyReason.HackAttempt, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.AutoDenyHackAttempts)))
        : new PolicyDecision(PolicyOutcome.Accept, PolicyReason.HackAttemptsTolerated, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.AutoDenyHackAttempts)));

    /// <summary>Under check-valid-sender = yes a message from &lt;&gt; must show who it is from: its headers are needed.</summary>
    public static bool NeedsHeaders(bool nullSender) => TPolicy.CheckValidSender && nullSender;

    /// <summary>check-valid-sender at the end of DATA: a message from &lt;&gt; must carry a Reply-To holding user@host.</summary>
    public static PolicyDecision CheckMessage(bool nullSender, ReadOnlySpan<byte> headers) =>
        !NeedsHeaders(nullSender) ? new PolicyDecision(PolicyOutcome.Accept, PolicyReason.SenderAllowed, PolicyFile.None, 0)
        : MessageHeaders.HasReplyToAddress(headers) ? new PolicyDecision(PolicyOutcome.Accept, PolicyReason.ReplyToFound, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.CheckValidSender)))
        : new PolicyDecision(PolicyOutcome.SenderNotUserAtHost, PolicyReason.ReplyToRequired, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.CheckValidSender)));

    /// <summary>
    /// AUTH: the password against users.txt. A missing account, or one that cannot AUTH, costs
    /// the same derivation as a real one (<paramref name="missingIterations"/>), so timing tells
    /// nothing about which names exist.
    /// </summary>
    public static PolicyDecision Authenticate(string? user, ReadOnlySpan<byte> password, int missingIterations)
    {
        LocalName name = user is null ? default : FindLocal(Encoding.UTF8.GetBytes(user));
        ReadOnlySpan<byte> hash = name.Kind == LocalNameKind.User ? TPolicy.UserHash(name.Entry) : default;
        return PasswordHash.Verify(hash, password, missingIterations)
            ? new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalUser, PolicyFile.UsersTxt, TPolicy.UserLine(name.Entry))
            : new PolicyDecision(PolicyOutcome.AuthenticationFailed, PolicyReason.BadCredentials, PolicyFile.None, 0);
    }

    /// <summary>What a local address names, for VRFY, EXPN and AUTH: the kind of entry and its index (for Unknown, the host's).</summary>
    public static LocalName FindLocal(ReadOnlySpan<byte> address)
    {
        Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
        int length = AddressNormalizer.Normalize(address, buffer);
        if (length < 0)
        {
            return default;
        }

        ReadOnlySpan<byte> normalized = buffer[..length];
        int at = normalized.LastIndexOf((byte)'@');
        // A bare name ("VRFY fred", "AUTH fred") is a name on the primary host.
        Span<byte> primary = stackalloc byte[256];
        int host = at < 0
            ? TPolicy.FindHost(primary[..Encoding.ASCII.GetBytes(TPolicy.PrimaryHost, primary)])
            : TPolicy.FindHost(normalized[(at + 1)..]);
        if (host < 0)
        {
            return new LocalName(LocalNameKind.NotLocal, -1);
        }

        Span<byte> key = stackalloc byte[AddressNormalizer.MaxLength];
        int keyLength = LocalKey(at < 0 ? normalized : normalized[..at], host, key);
        if (keyLength < 0)
        {
            return new LocalName(LocalNameKind.Unknown, host);
        }

        ReadOnlySpan<byte> k = key[..keyLength];
        int entry;
        if ((entry = TPolicy.FindUser(k)) >= 0)
        {
            return new LocalName(LocalNameKind.User, entry);
        }

        if ((entry = TPolicy.FindAlias(k)) >= 0)
        {
            return new LocalName(LocalNameKind.Alias, entry);
        }

        return (entry = TPolicy.FindGroup(k)) >= 0 ? new LocalName(LocalNameKind.Group, entry) : new LocalName(LocalNameKind.Unknown, host);
    }

    private static PolicyDecision CheckLocal(ReadOnlySpan<byte> localPart, int host, bool authenticated)
    {
        Span<byte> key = stackalloc byte[AddressNormalizer.MaxLength];
        int keyLength = LocalKey(localPart, host, key);
        ReadOnlySpan<byte> k = keyLength < 0 ? default : key[..keyLength];
        int entry;
        if ((entry = TPolicy.FindUser(k)) >= 0)
        {
            return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalUser, PolicyFile.UsersTxt, TPolicy.UserLine(entry));
        }

        if ((entry = TPolicy.FindAlias(k)) >= 0)
        {
            return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalAlias, PolicyFile.AliasesTxt, TPolicy.AliasLine(entry));
        }

        if ((entry = TPolicy.FindGroup(k)) >= 0)
        {
            // A session is remote unless it authenticated, loopback included: relay.txt does not make a client local.
            return authenticated || TPolicy.AllowRemoteMailToGroups
                ? new PolicyDecision(PolicyOutcome.Accept, PolicyReason.LocalGroup, PolicyFile.GroupsTxt, TPolicy.GroupLine(entry))
                : new PolicyDecision(PolicyOutcome.GroupClosed, PolicyReason.GroupsClosedToRemoteMail, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.AllowRemoteMailToGroups)));
        }

        // RFC 5321 4.5.1: every local host accepts mail for its postmaster.
        if (Ascii.EqualsIgnoreCase(localPart, "postmaster"u8))
        {
            return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.Postmaster, PolicyFile.None, 0);
        }

        return new PolicyDecision(PolicyOutcome.UserUnknown, PolicyReason.UnknownLocalRecipient, PolicyFile.HostsTxt, TPolicy.HostLine(host));
    }

    private static PolicyDecision Relay(IPAddress client, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> recipientDomain, bool authenticated)
    {
        if (authenticated)
        {
            return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.Authenticated, PolicyFile.None, 0);
        }

        int line;
        switch (TPolicy.Relay)
        {
            case RelayMode.Anyone:
                return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.RelayAnyone, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.Relay)));

            case RelayMode.Addresses:
                if ((line = RelayLine(client)) != 0)
                {
                    return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.ClientInRelayList, PolicyFile.RelayTxt, line);
                }

                // The backup-server case for an address literal; a domain's MX hosts need DNS.
                if (AddressLiteral.TryParse(recipientDomain, out IPAddress? literal) && (line = RelayLine(literal)) != 0)
                {
                    return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.RecipientInRelayList, PolicyFile.RelayTxt, line);
                }

                break;

            case RelayMode.LocalHosts:
            {
                Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
                int at = NormalizeSender(sender, buffer, out int normalized);
                if (at >= 0)
                {
                    ReadOnlySpan<byte> senderDomain = buffer[(at + 1)..normalized];
                    int entry;
                    if ((entry = TPolicy.FindHost(senderDomain)) >= 0)
                    {
                        return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.SenderHostIsLocal, PolicyFile.HostsTxt, TPolicy.HostLine(entry));
                    }

                    if ((entry = TPolicy.FindAccept(senderDomain)) >= 0)
                    {
                        return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.SenderHostAccepted, PolicyFile.AcceptTxt, TPolicy.AcceptLine(entry));
                    }
                }

                Span<byte> clientText = stackalloc byte[64];
                if (client.TryFormat(clientText, out int written) && (line = TPolicy.FindAccept(clientText[..written])) >= 0)
                {
                    return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.ClientAccepted, PolicyFile.AcceptTxt, TPolicy.AcceptLine(line));
                }

                break;
            }

            case RelayMode.LocalUsers:
            {
                Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
                int at = NormalizeSender(sender, buffer, out int normalized);
                if (at >= 0)
                {
                    int host = TPolicy.FindHost(buffer[(at + 1)..normalized]);
                    Span<byte> key = stackalloc byte[AddressNormalizer.MaxLength];
                    int keyLength = host < 0 ? -1 : LocalKey(buffer[..at], host, key);
                    int entry;
                    if (keyLength >= 0 && (entry = TPolicy.FindUser(key[..keyLength])) >= 0)
                    {
                        return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.SenderIsLocalUser, PolicyFile.UsersTxt, TPolicy.UserLine(entry));
                    }

                    if ((entry = TPolicy.FindAccept(buffer[..normalized])) >= 0)
                    {
                        return new PolicyDecision(PolicyOutcome.Accept, PolicyReason.SenderAccepted, PolicyFile.AcceptTxt, TPolicy.AcceptLine(entry));
                    }
                }

                break;
            }
        }

        return new PolicyDecision(PolicyOutcome.RelayDenied, PolicyReason.RelayNotAllowed, PolicyFile.SmtpConf, TPolicy.OptionLine(nameof(IPolicy.Relay)));
    }

    /// <summary>The sender, normalised into <paramref name="buffer"/>; returns the index of its '@', or -1.</summary>
    private static int NormalizeSender(ReadOnlySpan<byte> sender, Span<byte> buffer, out int length)
    {
        length = AddressNormalizer.Normalize(sender, buffer);
        return length < 0 ? -1 : buffer[..length].LastIndexOf((byte)'@');
    }

    /// <summary>relay.txt and deny.txt hold IPv4 ranges for IPv4 clients a dual-stack listener reports as ::ffff:a.b.c.d.</summary>

    /// <summary>"local@canonical-host", the key of users, aliases and groups.</summary>
    private static int LocalKey(ReadOnlySpan<byte> localPart, int host, Span<byte> destination)
    {
        ReadOnlySpan<byte> canonical = TPolicy.CanonicalHost(host);
        int length = localPart.Length + 1 + canonical.Length;
        if (length > destination.Length)
        {
            return -1;
        }

        localPart.CopyTo(destination);
        destination[localPart.Length] = (byte)'@';
        canonical.CopyTo(destination[(localPart.Length + 1)..]);
        return length;
    }
}
