using FastSmtp.Policy;
using FastSmtp.Policy.Loading;
using FastSmtp.Testing;

namespace FastSmtp.Tests;

/// <summary>
/// The policy the unit and session tests run under unless they state another, compiled in this
/// process: one local host, localhost; relay = addresses, and loopback clients may relay; the
/// other options have their defaults. A test that needs other rules compiles its own with <see cref="With"/>.
/// </summary>
internal static class TestPolicy
{
    /// <summary>Compiled once: a test that asserts allocation must not compile inside its loop.</summary>
    public static ActivePolicy Active { get; } = With();

    public static SecurityPolicy Instance => Active.Current;

    /// <summary>The test policy with <paramref name="files"/> (name → text) added or replaced.</summary>
    public static ActivePolicy With(params (string Name, string Text)[] files)
    {
        var folder = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["smtp.conf"] = "relay = addresses\n",
            ["hosts.txt"] = "localhost\n",
            ["relay.txt"] = "127.0.0.0/8\n::1\n",
        };
        foreach ((string name, string text) in files)
        {
            folder[name] = text;
        }

        return InProcessPolicy.Compile(folder);
    }
}
