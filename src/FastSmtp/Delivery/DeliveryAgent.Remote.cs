using System.Runtime.CompilerServices;
using System.Net;
using FastSmtp.Protocol;
using FastSmtp.Routing;

namespace FastSmtp.Delivery;

public sealed partial class DeliveryAgent
{
    /// <summary>
    /// A destination's worker: takes its queue's jobs one after another, on the connection it
    /// keeps, until the queue ends it. Each job is one transaction for its recipients: route,
    /// then each next-hop address in turn until one gives an answer about the recipients. Trouble
    /// with a host (no connection, a refused greeting, a 421, a reply that cannot be read, a
    /// timeout) moves on to the next address, as RFC 5321 5.1 asks; replies about the recipients
    /// are final for this attempt. What was delivered is recorded as soon as the transaction
    /// ends, even one cut short. The loop is one method for the worker's life, so a job costs no
    /// state machine of its own.
    /// </summary>
    private async Task RunWorkerAsync(DestinationQueue queue, DestinationWorker worker)
    {
        try
        {
            while (await queue.NextAsync(worker) is { } job)
            {
                bool slot = false;
                try
                {
                    if (_stopping.IsCancellationRequested)
                    {
                        continue;
                    }

                    await _transactionSlots.WaitAsync(_stopping);
                    slot = true;
                    Route route = await Router.RouteAsync(job.Destination, job.NextHop, _stopping);
                    if (route.Endpoints.Count == 0)
                    {
                        SetAll(job, route.Failure, "dns");
                        continue;
                    }

                    LoadedMessage loaded = worker.Load(_spool, job.Pass.Entry);
                    if (loaded.IsLooping)
                    {
                        SetAll(job, LoopReply(loaded), "none");
                        continue;
                    }

                    IReadOnlyList<string> recipients = job;
                    string relay = string.Empty;
                    NextHopReply trouble = NextHopReply.Unreadable("no next hop answered");
                    bool answered = false;

                    // Indexed, not enumerated: an interface enumerator would be an object per job.
                    for (int e = 0; e < route.Endpoints.Count && !answered; e++)
                    {
                        DeliveryResult? result = null;
                        for (int attempt = 0; attempt < 2 && result is null; attempt++)
                        {
                            (SmtpDeliveryClient? client, bool reused, NextHopReply failure) = await ClientForAsync(worker, new NextHopKey(route.Endpoints[e], route.Security));
                            if (client is null)
                            {
                                trouble = failure;
                                break;
                            }

                            relay = client.NextHopName;
                            DeliveryResult sent = await client.SendAsync(loaded.MailFrom, recipients, loaded.Body, _stopping);
                            if (!client.IsReusable)
                            {
                                worker.Client = null;
                                await client.DisposeAsync();
                            }

                            // A cached connection the next hop closed meanwhile: once more on a new one.
                            result = reused && sent.Data.Code == 0 && Every(sent.Recipients, static r => r.Code == 0) ? null : sent;
                        }

                        if (result is null)
                        {
                            continue;
                        }

                        if (IsHostTrouble(result))
                        {
                            trouble = result.Recipients.FirstOrDefault(r => !r.IsPositive) is { Code: not 0 } refused && result.Data.Code == 0 ? refused : result.Data;
                            continue;
                        }

                        for (int k = 0; k < job.Recipients.Count; k++)
                        {
                            NextHopReply reply = result.Delivered(k) ? result.Data : result.Recipients[k].IsPositive ? result.Data : result.Recipients[k];
                            job.Pass.Outcomes[job.Recipients[k]] = reply;
                            LogDelivery(_logger, job.Pass.Entry.QueueId, recipients[k], relay, reply);
                        }

                        answered = true;
                    }

                    if (!answered)
                    {
                        // Every address failed at the host level: temporary, unless the last host said 5xx.
                        SetAll(job, trouble.Code == 0 ? trouble with { Text = "4.4.1 " + trouble.Text } : trouble, string.Join(", ", route.Endpoints));
                    }
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    // Shutting down: the recipients stay as they were and are tried after the restart.
                }
                catch (Exception exception)
                {
                    // A bug, or a spool record that cannot be read: the pass leaves the message queued.
                    job.Pass.Failure = exception;
                }
                finally
                {
                    if (slot)
                    {
                        _transactionSlots.Release();
                    }

                    job.RecordThenFinish(_spool);
                }
            }
        }
        finally
        {
            await worker.EndAsync();
        }
    }

    /// <summary>The whole transaction failed for reasons of the host, not of these recipients.</summary>
    private static bool IsHostTrouble(DeliveryResult result) =>
        result.Data.Code is 0 or 421 || (result.Recipients.Count > 0 && Every(result.Recipients, static r => r.Code is 0 or 421));

    /// <summary>Indexed, not enumerated: LINQ's All would make an enumerator per job.</summary>
    private static bool Every(IReadOnlyList<NextHopReply> replies, Func<NextHopReply, bool> test)
    {
        for (int i = 0; i < replies.Count; i++)
        {
            if (!test(replies[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The worker's open connection when it goes to this address with this security, else a cached one, else a new one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(SmtpDeliveryClient? Client, bool Reused, NextHopReply Failure)> ClientForAsync(DestinationWorker worker, NextHopKey nextHop)
    {
        if (worker.Client is not null && worker.NextHop is { } open && open.Equals(nextHop) && worker.Client.IsReusable)
        {
            return (worker.Client, true, default);
        }

        await worker.ReleaseAsync();
        SmtpDeliveryClient? client = _pool.TakeIdle(nextHop);
        bool reused = client is not null;
        NextHopReply failure = default;
        if (client is null)
        {
            (client, failure) = await SmtpDeliveryClient.ConnectAsync(nextHop.Endpoint, Hostname, _stopping, nextHop.Security, _options.DeliveryTimeout);
            if (client?.TlsFailure is { } tlsFailure)
            {
                LogTlsFallback(_logger, nextHop.Endpoint.ToString(), tlsFailure);
            }
        }

        worker.Client = client;
        worker.NextHop = client is null ? null : nextHop;
        return (client, reused, failure);
    }

    private void SetAll(DeliveryJob job, NextHopReply reply, string relay)
    {
        foreach (int i in job.Recipients)
        {
            job.Pass.Outcomes[i] = reply;
            LogDelivery(_logger, job.Pass.Entry.QueueId, job.Pass.Entry.Recipients[i].Address, relay, reply);
        }
    }

    private static NextHopReply LoopReply(LoadedMessage loaded) =>
        new(554, $"5.4.6 too many hops ({loaded.ReceivedHeaders} Received headers): a mail forwarding loop");
}
