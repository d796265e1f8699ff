namespace FastSmtp.Delivery;

/// <summary>
/// When a temporarily failed recipient is tried again : after 1, 5, 15 and
/// 30 minutes, then hourly, until five days after the message arrived; then it bounces.
/// </summary>
public static class RetrySchedule
{
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromDays(5);

    private static readonly TimeSpan[] s_steps =
    [
        TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(15),
        TimeSpan.FromMinutes(30),
    ];

    /// <summary>The next attempt after <paramref name="attempts"/> failed ones, or null once the message has waited five days.</summary>
    public static DateTimeOffset? NextAttempt(int attempts, DateTimeOffset received, DateTimeOffset now)
    {
        TimeSpan wait = attempts >= 1 && attempts <= s_steps.Length ? s_steps[attempts - 1] : TimeSpan.FromHours(1);
        DateTimeOffset next = now + wait;
        return next - received > GiveUpAfter ? null : next;
    }
}
