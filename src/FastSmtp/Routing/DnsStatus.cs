namespace FastSmtp.Routing;

/// <summary>How a DNS question was answered.</summary>
public enum DnsStatus : byte
{
    /// <summary>Records of the asked type exist.</summary>
    Found,

    /// <summary>The name does not exist (NXDOMAIN): retrying will not help.</summary>
    NoSuchDomain,

    /// <summary>The name exists but has no records of that type (NODATA).</summary>
    NoRecords,

    /// <summary>No usable answer (timeout, SERVFAIL, refused): try again later.</summary>
    Failed,
}
