using FastSmtp.Delivery;

namespace FastSmtp.Tests.Delivery;

public class RetryScheduleTests
{
    private static readonly DateTimeOffset s_received = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 5)]
    [InlineData(3, 15)]
    [InlineData(4, 30)]
    [InlineData(5, 60)]
    [InlineData(40, 60)]
    public void Waits_grow_then_stay_hourly(int attempts, int minutes)
    {
        DateTimeOffset now = s_received.AddMinutes(10);

        Assert.Equal(now.AddMinutes(minutes), RetrySchedule.NextAttempt(attempts, s_received, now));
    }

    [Fact]
    public void After_five_days_there_is_no_next_attempt()
    {
        Assert.NotNull(RetrySchedule.NextAttempt(100, s_received, s_received.AddDays(5).AddHours(-2)));
        Assert.Null(RetrySchedule.NextAttempt(100, s_received, s_received.AddDays(5).AddMinutes(-30)));
    }
}
