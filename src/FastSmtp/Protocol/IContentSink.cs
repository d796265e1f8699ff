namespace FastSmtp.Protocol;

/// <summary>Where decoded message content goes; implemented by structs over the message body.</summary>
public interface IContentSink
{
    void Append(ReadOnlySpan<byte> content);
}
