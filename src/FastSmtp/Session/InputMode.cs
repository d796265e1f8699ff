namespace FastSmtp.Session;

/// <summary>How the session reads the bytes that come next.</summary>
internal enum InputMode : byte
{
    Commands,

    /// <summary>After a line over 512 octets: drop bytes up to the next LF without buffering them.</summary>
    DiscardLine,

    /// <summary>Inside DATA, until &lt;CRLF&gt;.&lt;CRLF&gt;.</summary>
    Data,

    /// <summary>Inside a BDAT chunk: exactly its size in octets, refused or not.</summary>
    Chunk,

    /// <summary>An AUTH exchange: base64 lines up to 12288 octets.</summary>
    AuthResponse,
}
