namespace FastSmtp.Queue;

/// <summary>
/// Told when recipient state changes handed to <see cref="Spool.Record"/> are durable (or could
/// not be made so). Called on the spool's commit thread, so it must be quick and must not throw:
/// it hands any real work elsewhere.
/// </summary>
public interface IRecordedCallback
{
    void Recorded(CommitResult result);
}
