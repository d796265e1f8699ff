using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using FastSmtp.Protocol;

namespace FastSmtp.Policy;

/// <summary>
/// Runs a policy's tests.txt against this server's engine: each sender and recipient is read
/// by the parser MAIL FROM and RCPT TO use, then taken through the session's checks.
/// </summary>
public static class PolicyTestRunner
{
    /// <summary>One line per failing test, in the compiler's <c>file(line,col): error</c> format.</summary>
    public static List<string> Failures(SecurityPolicy policy)
    {
        var failures = new List<string>();
        foreach (PolicyTest test in policy.Tests)
        {
            bool senderRead = TryReadPath("FROM:", test.Sender, out string? sender);
            string? recipient = null;
            if (!senderRead || !TryReadPath("TO:", test.Recipient, out recipient))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{policy.TestsFile}({test.Line},1): error FSMTP015: '{(senderRead ? test.Recipient : test.Sender)}' is not a path {(senderRead ? "RCPT TO" : "MAIL FROM")} accepts"));
                continue;
            }

            PolicyEvaluation result = policy.Evaluate(IPAddress.Parse(test.ClientIp), sender!, recipient, test.Auth);
            if (result.Result != test.Expect)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{policy.TestsFile}({test.Line},{test.Column}): error FSMTP020: expected {test.Expect}, got {result.Result} ({result.Explanation})"));
            }
        }

        return failures;
    }

    /// <summary>
    /// A tests.txt sender or recipient read as MAIL FROM or RCPT TO reads it (angle brackets
    /// optional; source routes, quoted local parts, address literals, a bare postmaster): the
    /// mailbox, or null when the server would refuse the path as syntax.
    /// </summary>
    private static bool TryReadPath(string keyword, string written, [NotNullWhen(true)] out string? mailbox)
    {
        string path = written.StartsWith('<') ? written : "<" + written + ">";
        byte[] arguments = Encoding.UTF8.GetBytes(keyword + path);
        bool parsed = keyword == "FROM:"
            ? SmtpPathParser.TryParseMailFrom(arguments, out ReadOnlySpan<byte> box, out _) == PathError.None
            : SmtpPathParser.TryParseRcptTo(arguments, out box, out _) == PathError.None;
        mailbox = parsed ? Encoding.UTF8.GetString(box) : null;
        return parsed;
    }
}
