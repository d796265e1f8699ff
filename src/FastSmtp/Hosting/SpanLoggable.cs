using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace FastSmtp.Hosting;

/// <summary>
/// <see cref="ISpanLoggable"/>'s members for a log state type, called without boxing the state:
/// a logger receives its state as an unconstrained generic, and calling an interface on a struct
/// from there would box it on every line. Made once per type; null when the type is not one.
/// </summary>
internal static class SpanLoggable<TState>
{
    public delegate int Writer(TState state, Span<char> destination);

    public delegate int Measure(TState state);

    public static readonly Writer? Format = typeof(ISpanLoggable).IsAssignableFrom(typeof(TState))
        ? Method<Writer>(nameof(SpanLoggableCalls.Format))
        : null;

    public static readonly Measure? MaxLength = Format is null ? null : Method<Measure>(nameof(SpanLoggableCalls.MaxLength));

    // The generic parameters of SpanLoggableCalls carry no DynamicallyAccessedMembers
    // requirements, so instantiating them needs nothing the trimmer could have removed; the two
    // methods themselves are kept by the DynamicDependency.
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "No DynamicallyAccessedMembers requirements on the generic parameter.")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods, typeof(SpanLoggableCalls))]
    private static T Method<T>(string name)
        where T : Delegate =>
        typeof(SpanLoggableCalls).GetMethod(name, BindingFlags.Static | BindingFlags.Public)!.MakeGenericMethod(typeof(TState)).CreateDelegate<T>();
}
