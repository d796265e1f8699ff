namespace FastSmtp.EndToEnd;

/// <summary>policies/strict: auto-deny off, VRFY disabled, groups viewable but closed to remote mail, AUTH not advertised.</summary>
public sealed class StrictPolicyFixture : ServerFixture
{
    protected override string? Policy => "strict";
}
