namespace FastSmtp.Delivery;

/// <summary>
/// How the queue is delivered: where local mail goes, how many transactions at once, how long a
/// step may take. Bound from the server's "FastSmtp" configuration section.
/// </summary>
public sealed class DeliveryOptions
{
    public string MailDir { get; set; } = "./var/mail";

    /// <summary>Outbound transactions in flight at once, over all destinations (Postfix's default_process_limit).</summary>
    public int DeliveryConcurrency { get; set; } = 100;

    /// <summary>Outbound connections to one destination at once (Postfix's default_destination_concurrency_limit).</summary>
    public int DestinationConcurrency { get; set; } = 20;

    /// <summary>
    /// Outbound connections to one relay the operator named (the smarthost, a transport.txt
    /// host): the operator's own machine, which takes all remote mail, so it gets more than a
    /// stranger's MX (Postfix's per-transport destination concurrency).
    /// </summary>
    public int RelayConcurrency { get; set; } = 50;

    /// <summary>How long any one step of an outbound session may take.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The name given in EHLO to next hops: the server's own host name, set when the server starts.</summary>
    public string HeloName { get; set; } = "localhost";
}
