using FastSmtp.Queue;

namespace FastSmtp.Hosting;

/// <summary>
/// Which queued messages a queue command means: one queue id, the messages with an unfinished
/// recipient at a domain (Postfix's `postqueue -s site`), or all. The same words travel over the
/// control socket ("ID", "--domain D", "--all").
/// </summary>
internal readonly record struct QueueSelection(string? QueueId, string? Domain)
{
    public static QueueSelection All => default;

    public bool IsAll => QueueId is null && Domain is null;

    /// <summary>
    /// Reads "ID", "--domain D" or "--all" from the front of <paramref name="arguments"/>;
    /// false when none is there. <paramref name="rest"/> is what follows.
    /// </summary>
    public static bool TryRead(string[] arguments, out QueueSelection selection, out string[] rest)
    {
        (selection, rest, bool found) = arguments switch
        {
            ["--domain", var domain, .. var after] when !domain.StartsWith('-') => (new QueueSelection(null, domain.TrimStart('@')), after, true),
            ["--all", .. var after] => (All, after, true),
            [var id, .. var after] when !id.StartsWith('-') => (new QueueSelection(id, null), after, true),
            _ => (All, arguments, false),
        };
        return found;
    }

    /// <summary>The selection as the control socket reads it back with <see cref="Parse"/>.</summary>
    public override string ToString() => QueueId ?? (Domain is null ? "--all" : "--domain " + Domain);

    public static QueueSelection Parse(string text) =>
        text == "--all" ? All
        : text.StartsWith("--domain ", StringComparison.Ordinal) ? new QueueSelection(null, text["--domain ".Length..])
        : new QueueSelection(text, null);

    public bool Matches(QueueEntry entry)
    {
        if (QueueId is not null)
        {
            return string.Equals(entry.QueueId.ToString(), QueueId, StringComparison.OrdinalIgnoreCase);
        }

        string? suffix = Domain is null ? null : "@" + Domain;
        return suffix is null || entry.Recipients.Any(r => !r.IsFinished && r.Address.EndsWith(suffix, StringComparison.OrdinalIgnoreCase));
    }
}
