using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace FastSmtp.Generators;

/// <summary>Every FSMTPnnn the policy compiler reports, in one place.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "FastSmtp.Policy";

    public static readonly DiagnosticDescriptor InvalidHostName = Error(
        "FSMTP001", "Invalid host name",
        "'{0}' is not a valid host name: expected letters, digits and hyphens in dot-separated labels of at most 63 characters (for example mail.example.com)");

    public static readonly DiagnosticDescriptor MissingPrimaryHost = Error(
        "FSMTP002", "No primary host",
        "The policy folder has no host: hosts.txt must name the primary host on its first line ('host [alias ...]')");

    public static readonly DiagnosticDescriptor DuplicateEntry = new(
        "FSMTP003", "Duplicate entry", "'{0}' is already named on line {1}; this entry is ignored",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PolicyFolderNotSet = Error(
        "FSMTP004", "Policy folder not set",
        "The MSBuild property FastSmtpPolicyDir is empty; set it to the folder holding the policy files");

    public static readonly DiagnosticDescriptor UnknownOption = Error(
        "FSMTP005", "Unknown smtp.conf key",
        "'{0}' is not an smtp.conf key; the keys are: {1}");

    public static readonly DiagnosticDescriptor BadOptionValue = Error(
        "FSMTP006", "Bad smtp.conf value",
        "'{1}' is not a value for '{0}': expected {2}");

    public static readonly DiagnosticDescriptor MalformedOptionLine = Error(
        "FSMTP007", "Malformed smtp.conf line",
        "Expected 'key = value', got '{0}'");

    public static readonly DiagnosticDescriptor InvalidAddress = Error(
        "FSMTP008", "Invalid address",
        "'{0}' is not an address: expected user@host (for example fred@mail.example.com)");

    public static readonly DiagnosticDescriptor HostNotLocal = Error(
        "FSMTP009", "Host not in hosts.txt",
        "'{0}' is not a local host: add it to hosts.txt (as a host or an alias) or correct the name");

    public static readonly DiagnosticDescriptor BadPasswordHash = Error(
        "FSMTP010", "Not a password hash",
        "The password field must be 'pbkdf2-sha256:ITERATIONS:SALT_B64:HASH_B64' (make one with `FastSmtp hash-password`) or '-' for an account that cannot AUTH; plain-text passwords are not accepted");

    public static readonly DiagnosticDescriptor InvalidAddressRange = Error(
        "FSMTP011", "Invalid IP address or range",
        "'{0}' is not an address range: expected IP, 'IP MASK' or IP/PREFIX (for example 192.168.1.0 255.255.255.0, 192.168.1.0/24 or 2001:db8::/32)");

    public static readonly DiagnosticDescriptor NonContiguousMask = Error(
        "FSMTP012", "Non-contiguous mask",
        "'{0}' is not a contiguous subnet mask: its one bits must all come before its zero bits (for example 255.255.255.0)");

    public static readonly DiagnosticDescriptor InvalidAcceptEntry = Error(
        "FSMTP013", "Invalid accept.txt entry",
        "'{0}' is not one IP address, host name or user@host: accept.txt takes exactly one entry per line, without spaces or wildcards");

    public static readonly DiagnosticDescriptor InvalidKillEntry = Error(
        "FSMTP014", "Invalid kill.lst entry",
        "'{0}' is not a kill.lst entry: expected user@host, @host or @*suffix (for example fred@widget.com, @widget.com, @*widget.com)");

    public static readonly DiagnosticDescriptor MalformedTest = Error(
        "FSMTP015", "Malformed tests.txt line",
        "{0}: expected 'CLIENT-IP SENDER RECIPIENT [auth=user@host] => accept|CODE' (for example 127.0.0.1 <> fred@mail.example.com => accept)");

    public static readonly DiagnosticDescriptor AliasCycle = Error(
        "FSMTP016", "Alias loop",
        "'{0}' leads back to itself: {1}");

    public static readonly DiagnosticDescriptor NameConflict = Error(
        "FSMTP017", "Name used twice",
        "'{0}' is already a {1} on {2} line {3}; a local name is a user, an alias or a group, not two of them");

    public static readonly DiagnosticDescriptor InvalidTransportEntry = Error(
        "FSMTP018", "Invalid transport.txt entry",
        "'{0}' is not a transport.txt entry: expected 'DOMAIN NEXT-HOP' (DOMAIN, or .DOMAIN for its subdomains), NEXT-HOP being HOST:PORT, [IPV6]:PORT, mx or local (for example example.com mail.example.net:587)");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = Index(
        InvalidHostName, MissingPrimaryHost, DuplicateEntry, PolicyFolderNotSet, UnknownOption, BadOptionValue,
        MalformedOptionLine, InvalidAddress, HostNotLocal, BadPasswordHash, InvalidAddressRange, NonContiguousMask,
        InvalidAcceptEntry, InvalidKillEntry, MalformedTest, AliasCycle, NameConflict, InvalidTransportEntry);

    public static DiagnosticDescriptor ById(string id) =>
        s_byId.TryGetValue(id, out DiagnosticDescriptor? descriptor)
            ? descriptor
            : throw new ArgumentOutOfRangeException(nameof(id), id, "unknown diagnostic id");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] descriptors)
    {
        var index = new Dictionary<string, DiagnosticDescriptor>(StringComparer.Ordinal);
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            index.Add(descriptor.Id, descriptor);
        }

        return index;
    }
}
