namespace FastSmtp.Policy;

/// <summary>What a policy decision does to the command that asked.</summary>
public enum PolicyOutcome : byte
{
    Accept,

    /// <summary>550 5.1.1 &lt;user@host&gt;: user unknown.</summary>
    UserUnknown,

    /// <summary>550 5.7.1: mail from outside to a local group while allow-remote-mail-to-groups = no.</summary>
    GroupClosed,

    /// <summary>550 unknown local host &lt;domain&gt;, not a gateway.</summary>
    RelayDenied,

    /// <summary>501 unacceptable mail address (kill.lst).</summary>
    SenderKilled,

    /// <summary>554 access denied (deny.txt or auto-deny).</summary>
    ClientDenied,

    /// <summary>553 5.1.7: the sender's domain has look-alike, hidden or unmappable characters.</summary>
    SenderDomainRefused,

    /// <summary>553 5.1.3: the recipient's domain has look-alike, hidden or unmappable characters.</summary>
    RecipientDomainRefused,

    /// <summary>502 5.5.1 to every VRFY under disable-vrfy = yes.</summary>
    VrfyDisabled,

    /// <summary>252: VRFY of an address that is not local; the server will not say.</summary>
    CannotVerify,

    /// <summary>550 5.1.1 to EXPN of anything but a local group.</summary>
    NotAGroup,

    /// <summary>550 5.7.1 lists are confidential: EXPN from outside while allow-remote-view-of-groups = no.</summary>
    GroupsConfidential,

    /// <summary>538 5.7.11: AUTH outside TLS from a client that is not on loopback.</summary>
    AuthNeedsTls,

    /// <summary>535 5.7.8 authentication failed.</summary>
    AuthenticationFailed,

    /// <summary>550 5.7.1 sender address must be user@host: a message from &lt;&gt; without a Reply-To under check-valid-sender.</summary>
    SenderNotUserAtHost,

    /// <summary>554 5.7.1 client &lt;ip&gt; listed by &lt;zone&gt; (dnsbl).</summary>
    ClientListed,
}
