namespace FastSmtp.Policy;

/// <summary>smtp.conf "relay": who may send mail through this server to other hosts.</summary>
public enum RelayMode : byte
{
    Anyone,
    Addresses,
    None,
    LocalHosts,
    LocalUsers,
}
