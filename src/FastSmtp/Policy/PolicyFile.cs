namespace FastSmtp.Policy;

/// <summary>The policy file a rule stands in; <see cref="None"/> for a built-in rule or default.</summary>
public enum PolicyFile : byte
{
    None,
    SmtpConf,
    HostsTxt,
    UsersTxt,
    AliasesTxt,
    GroupsTxt,
    RelayTxt,
    AcceptTxt,
    KillLst,
    DenyTxt,
}
