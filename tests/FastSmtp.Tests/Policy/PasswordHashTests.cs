using System.Text;
using FastSmtp.Policy;

namespace FastSmtp.Tests.Policy;

public class PasswordHashTests
{
    [Fact]
    public void A_created_hash_verifies_its_password_and_nothing_else()
    {
        string hash = PasswordHash.Create("correct horse battery", iterations: 1000);

        Assert.Matches(@"^pbkdf2-sha256:1000:[A-Za-z0-9+/=]{24}:[A-Za-z0-9+/=]{44}$", hash);
        Assert.True(PasswordHash.Verify(Encoding.ASCII.GetBytes(hash), "correct horse battery"u8));
        Assert.False(PasswordHash.Verify(Encoding.ASCII.GetBytes(hash), "correct horse batterY"u8));
        Assert.DoesNotContain("correct", hash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("pbkdf2-sha256:1000:not-base64:AAAA")]
    [InlineData("plaintext-password")]
    public void A_missing_or_malformed_hash_never_verifies(string hash)
    {
        Assert.False(PasswordHash.Verify(Encoding.ASCII.GetBytes(hash), "plaintext-password"u8));
    }

    [Fact]
    public void Two_hashes_of_one_password_differ_by_salt()
    {
        Assert.NotEqual(PasswordHash.Create("same", 1000), PasswordHash.Create("same", 1000));
    }

    [Fact]
    public void A_missing_account_costs_the_rounds_most_real_accounts_cost()
    {
        string[] users = [PasswordHash.Create("a", 1000), "-", PasswordHash.Create("b", 1000), PasswordHash.Create("c", 2000)];

        int typical = PasswordHash.TypicalIterations(users.Length, entry => Encoding.ASCII.GetBytes(users[entry]));

        Assert.Equal(1000, typical);
        Assert.Equal(PasswordHash.IterationsFor(Encoding.ASCII.GetBytes(users[0]), typical), PasswordHash.IterationsFor("-"u8, typical));
        Assert.Equal(PasswordHash.IterationsFor(Encoding.ASCII.GetBytes(users[0]), typical), PasswordHash.IterationsFor(default, typical));
    }

    [Fact]
    public void Without_any_hash_a_missing_account_costs_the_default_rounds()
    {
        Assert.Equal(PasswordHash.DefaultIterations, PasswordHash.TypicalIterations(1, _ => "-"u8));
        Assert.Equal(PasswordHash.DefaultIterations, PasswordHash.TypicalIterations(0, _ => default));
    }
}
