namespace FastSmtp.EndToEnd;

/// <summary>A server run without ICU (invariant globalization forced) cannot map domains by UTS #46: it says so and refuses them all.</summary>
public class NoIcuTests
{
    [Fact]
    public async Task Without_icu_every_internationalised_domain_is_refused_and_the_log_says_why()
    {
        await using ServerProcess server = await ServerProcess.StartWithEnvironmentAsync(
            new Dictionary<string, string> { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" });
        await server.WaitForOutputAsync("ICU is not available");

        await using RawSmtpClient client = await RawSmtpClient.ConnectAsync(server.Port, "127.0.0.1");
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO c.example");
        // Invariant .NET would encode the fullwidth form to an A-label of its own: a name no table lists.
        Assert.StartsWith("553 5.1.7 ", await client.CommandAsync("MAIL FROM:<x@ｌｏｃａｌｈｏｓｔ> SMTPUTF8"));
        Assert.StartsWith("553 5.1.7 ", await client.CommandAsync("MAIL FROM:<x@bücher.example> SMTPUTF8"));
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<x@buecher.example> SMTPUTF8"));
    }
}
