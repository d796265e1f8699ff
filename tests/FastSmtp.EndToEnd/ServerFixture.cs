namespace FastSmtp.EndToEnd;

/// <summary>One server process shared by the tests of a class.</summary>
public class ServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Server = await ServerProcess.StartAsync(Arguments());

    public async Task DisposeAsync() => await Server.DisposeAsync();

    protected virtual string[] Arguments() => [];
}
