namespace FastSmtp.Delivery;

/// <summary>A destination worker's open connection, kept from one job to the next, then handed to the pool.</summary>
internal sealed class DestinationWorker(ConnectionPool pool)
{
    public SmtpDeliveryClient? Client { get; set; }

    /// <summary>What <see cref="Client"/> was opened for.</summary>
    public NextHopKey? NextHop { get; set; }

    public async ValueTask ReleaseAsync()
    {
        if (Client is not null && NextHop is not null)
        {
            await pool.ReturnAsync(NextHop.Value, Client);
        }

        Client = null;
        NextHop = null;
    }
}
