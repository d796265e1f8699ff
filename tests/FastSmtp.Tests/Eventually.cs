namespace FastSmtp.Tests;

/// <summary>
/// Waits for another thread to reach a state the test can see but not be told of (at most 30 s),
/// then asserts it: for a step that must have happened before the test moves a fake clock.
/// </summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition)
    {
        for (int i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
