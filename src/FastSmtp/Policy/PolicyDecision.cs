using System.Globalization;

namespace FastSmtp.Policy;

/// <summary>A decision and the rule (file and line) that made it.</summary>
public readonly record struct PolicyDecision(PolicyOutcome Outcome, PolicyReason Reason, PolicyFile File, int Line)
{
    public bool Accepted => Outcome == PolicyOutcome.Accept;

    /// <summary>The SMTP reply code the decision leads to (250 for accept).</summary>
    public int Code => CodeOf(Outcome);

    public static int CodeOf(PolicyOutcome outcome) => outcome switch
    {
        PolicyOutcome.Accept => 250,
        PolicyOutcome.SenderKilled => 501,
        PolicyOutcome.ClientDenied or PolicyOutcome.ClientListed => 554,
        PolicyOutcome.SenderDomainRefused or PolicyOutcome.RecipientDomainRefused => 553,
        PolicyOutcome.VrfyDisabled => 502,
        PolicyOutcome.CannotVerify => 252,
        PolicyOutcome.AuthNeedsTls => 538,
        PolicyOutcome.AuthenticationFailed => 535,
        _ => 550,
    };

    /// <summary>"file:line" of the rule, or "default" / "built-in".</summary>
    public string RuleText => File switch
    {
        PolicyFile.None => "built-in",
        _ when Line == 0 => FileName(File) + " (default)",
        _ => FileName(File) + ":" + Line.ToString(CultureInfo.InvariantCulture),
    };

    public static string FileName(PolicyFile file) => file switch
    {
        PolicyFile.SmtpConf => "smtp.conf",
        PolicyFile.HostsTxt => "hosts.txt",
        PolicyFile.UsersTxt => "users.txt",
        PolicyFile.AliasesTxt => "aliases.txt",
        PolicyFile.GroupsTxt => "groups.txt",
        PolicyFile.RelayTxt => "relay.txt",
        PolicyFile.AcceptTxt => "accept.txt",
        PolicyFile.KillLst => "kill.lst",
        PolicyFile.DenyTxt => "deny.txt",
        _ => string.Empty,
    };
}
