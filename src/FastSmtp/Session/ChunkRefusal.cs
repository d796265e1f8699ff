namespace FastSmtp.Session;

/// <summary>Why a BDAT chunk is read and thrown away instead of kept (RFC 3030 section 2).</summary>
internal enum ChunkRefusal : byte
{
    None,
    SendHeloFirst,
    NeedMail,
    NoValidRecipients,
    MessageTooBig,
}
