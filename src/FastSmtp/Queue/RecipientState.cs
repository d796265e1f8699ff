namespace FastSmtp.Queue;

/// <summary>Where one recipient of a queued message stands.</summary>
public enum RecipientState : byte
{
    /// <summary>
    /// Not tried yet (the state of every recipient when its message is committed), or released
    /// from hold: due at <see cref="RecipientStateChange.NextAttempt"/>.
    /// </summary>
    Pending = 0,

    /// <summary>Handed to the next hop or a Maildir: done.</summary>
    Delivered = 1,

    /// <summary>A temporary failure: tried again at <see cref="RecipientStateChange.NextAttempt"/>.</summary>
    Deferred = 2,

    /// <summary>A permanent failure, or five days of temporary ones: bounced, done.</summary>
    Failed = 3,

    /// <summary>Put on hold by the operator (`queue hold`): kept, never tried, until released.</summary>
    Held = 4,

    /// <summary>Deleted by the operator (`queue delete`): done, without a bounce.</summary>
    Deleted = 5,
}
