using System;
using Microsoft.CodeAnalysis;

namespace FastSmtp.Generators;

/// <summary>Every FSMTPnnn the policy compiler reports, in one place.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "FastSmtp.Policy";

    public static readonly DiagnosticDescriptor InvalidHostName = new(
        id: "FSMTP001",
        title: "Invalid host name",
        messageFormat: "'{0}' is not a valid host name: expected letters, digits and hyphens in dot-separated labels of at most 63 characters (for example mail.example.com)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingPrimaryHost = new(
        id: "FSMTP002",
        title: "No primary host",
        messageFormat: "The policy folder has no host: hosts.txt must name the primary host on its first line ('host [alias ...]')",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateHost = new(
        id: "FSMTP003",
        title: "Duplicate host",
        messageFormat: "'{0}' is already named on line {1}; this entry is ignored",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PolicyFolderNotSet = new(
        id: "FSMTP004",
        title: "Policy folder not set",
        messageFormat: "The MSBuild property FastSmtpPolicyDir is empty; set it to the folder holding the policy files",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "FSMTP001" => InvalidHostName,
        "FSMTP002" => MissingPrimaryHost,
        "FSMTP003" => DuplicateHost,
        "FSMTP004" => PolicyFolderNotSet,
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "unknown diagnostic id"),
    };
}
