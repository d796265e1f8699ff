namespace FastSmtp.EndToEnd;

/// <summary>One server process shared by the tests of a class.</summary>
public class ServerFixture : IAsyncLifetime
{
    internal ServerProcess Server { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Server = Policy is null
        ? await ServerProcess.StartAsync(Arguments())
        : await ServerProcess.StartWithPolicyAsync(Policy, Arguments());

    /// <summary>A folder under tests/FastSmtp.EndToEnd/policies, or null for the default policy.</summary>
    protected virtual string? Policy => null;

    public async Task DisposeAsync() => await Server.DisposeAsync();

    protected virtual string[] Arguments() => [];
}
