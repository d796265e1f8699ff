namespace FastSmtp.Hosting;

/// <summary>Constrained calls into <see cref="ISpanLoggable"/>, which <see cref="SpanLoggable{TState}"/> binds per type.</summary>
internal static class SpanLoggableCalls
{
    public static int Format<TState>(TState state, Span<char> destination)
        where TState : ISpanLoggable => state.Format(destination);

    public static int MaxLength<TState>(TState state)
        where TState : ISpanLoggable => state.MaxLength;
}
