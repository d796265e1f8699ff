namespace FastSmtp.Delivery;

/// <summary>The recipients of one message that share a destination: one SMTP transaction.</summary>
internal sealed class DeliveryJob(MessagePass pass, string domain, string? nextHop, int[] recipients)
{
    public MessagePass Pass { get; } = pass;

    public string Domain { get; } = domain;

    /// <summary>transport.txt's next hop for the domain ("mx" or "host:port"), or null for the default route.</summary>
    public string? NextHop { get; } = nextHop;

    /// <summary>Indexes into the message's recipients.</summary>
    public int[] Recipients { get; } = recipients;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
