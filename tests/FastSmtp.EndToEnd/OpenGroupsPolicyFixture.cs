namespace FastSmtp.EndToEnd;

/// <summary>policies/open-groups: VRFY on, groups confidential but open to remote mail, check-valid-sender on.</summary>
public sealed class OpenGroupsPolicyFixture : ServerFixture
{
    protected override string? Policy => "open-groups";
}
