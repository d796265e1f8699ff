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

    /// <summary>How long any one step of an outbound session may take.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The name given in EHLO to next hops: the server's own host name, set when the server starts.</summary>
    public string HeloName { get; set; } = "localhost";
}
