namespace FastSmtp.Delivery;

/// <summary>A destination worker's open connection, kept from one job to the next, then handed to the pool.</summary>
internal sealed class DestinationWorker(ConnectionPool pool)
{
    public SmtpDeliveryClient? Client { get; set; }

    public NextHopKey? Endpoint { get; set; }

    public async ValueTask ReleaseAsync()
    {
        if (Client is not null && Endpoint is not null)
        {
            await pool.ReturnAsync(Endpoint.Value, Client);
        }

        Client = null;
        Endpoint = null;
    }
}
