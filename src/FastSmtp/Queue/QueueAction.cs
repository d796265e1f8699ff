namespace FastSmtp.Queue;

/// <summary>What an operator does to queued messages (Postfix's `postsuper -h`, `-H`, `-d`).</summary>
public enum QueueAction
{
    /// <summary>Keep the message, never try it, until it is released.</summary>
    Hold,

    /// <summary>Take the message off hold: due at once.</summary>
    Release,

    /// <summary>Drop the message's unfinished recipients, without a bounce.</summary>
    Delete,
}
