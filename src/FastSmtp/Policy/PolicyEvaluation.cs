namespace FastSmtp.Policy;

/// <summary>The outcome of one (client, sender, recipient) through every check, for explain and tests.txt.</summary>
public sealed record PolicyEvaluation(PolicyDecision Decision, string Reply, string Explanation)
{
    /// <summary>"accept" or the reply code, as tests.txt writes expectations.</summary>
    public string Result => Decision.Accepted ? "accept" : Decision.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
