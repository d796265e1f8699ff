namespace FastSmtp.Tests;

/// <summary>
/// Bytes a piece of code allocates on this thread, as the least over several rounds: tiered JIT
/// replacing a method or a static constructor running can allocate once on the measuring thread
/// in whichever round it happens, while an allocation made by the code itself shows in every round.
/// </summary>
internal static class Allocations
{
    public const int Rounds = 5;

    public static long LeastPerRound(Action round)
    {
        round();
        long least = long.MaxValue;
        for (int i = 0; i < Rounds; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
