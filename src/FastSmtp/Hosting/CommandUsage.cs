namespace FastSmtp.Hosting;

/// <summary>Each command's usage line: printed by COMMAND --help (exit 0) and on a wrong argument (exit 2).</summary>
internal static class CommandUsage
{
    public const string PolicyCheck = "usage: FastSmtp policy check [--policy FILE]";
    public const string PolicyReload = "usage: FastSmtp policy reload [--spool DIR | --config FILE] [--policy FILE]";
    public const string PolicyExplain = "usage: FastSmtp policy explain IP SENDER RECIPIENT [--auth user@host] [--dns ADDR[:PORT]] [--policy FILE]   (SENDER may be <>)";
    public const string HashPassword = "usage: FastSmtp hash-password [--iterations N]   (reads the password from standard input; N >= 1000)";
    public const string QueueList = "usage: FastSmtp queue list [--spool DIR | --config FILE]   (the spool: --spool, else the server's settings)";
    public const string QueueFlush = "usage: FastSmtp queue flush [QUEUE-ID | --domain DOMAIN] [--spool DIR | --config FILE]   (all deferred mail, one message, or the messages for a domain)";
    public const string QueueShow = "usage: FastSmtp queue show QUEUE-ID [--spool DIR | --config FILE]   (envelope, recipients' states, headers)";
    public const string QueueHold = "usage: FastSmtp queue hold QUEUE-ID | --domain DOMAIN | --all [--spool DIR | --config FILE]   (kept, never tried, until released)";
    public const string QueueRelease = "usage: FastSmtp queue release QUEUE-ID | --domain DOMAIN | --all [--spool DIR | --config FILE]   (held mail is tried at once)";
    public const string QueueDelete = "usage: FastSmtp queue delete QUEUE-ID | --domain DOMAIN | --all [--spool DIR | --config FILE]   (removed from the queue without a bounce)";
    public const string ConfigShow = "usage: FastSmtp config show [server options]   (each setting's effective value and where it came from)";

    public static string QueueChange(string verb) => verb switch
    {
        "hold" => QueueHold,
        "release" => QueueRelease,
        _ => QueueDelete,
    };

    /// <summary>Whether the command's arguments ask for its usage.</summary>
    public static bool AsksForHelp(string[] arguments) => arguments.Any(a => a is "--help" or "-h");
}
