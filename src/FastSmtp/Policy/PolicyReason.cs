namespace FastSmtp.Policy;

/// <summary>Which rule made a decision, in words `policy explain` can print.</summary>
public enum PolicyReason : byte
{
    LocalUser,
    LocalAlias,
    LocalGroup,
    Postmaster,
    UnknownLocalRecipient,
    GroupsClosedToRemoteMail,
    Authenticated,
    RelayAnyone,
    ClientInRelayList,
    RecipientInRelayList,
    SenderHostIsLocal,
    SenderHostAccepted,
    ClientAccepted,
    SenderIsLocalUser,
    SenderAccepted,
    RelayNotAllowed,
    SenderInKillList,
    SenderDomainInKillList,
    SenderAllowed,
    ClientInDenyList,
    ClientAllowed,
    DomainNotInNormalForm,
    VrfyDisabled,
    NotLocal,
    NotAGroup,
    GroupsClosedToRemoteView,
}
