using FastSmtp.Protocol;

namespace FastSmtp.Delivery;

/// <summary>What became of one transaction at a next hop: the answer for each recipient.</summary>
public sealed record DeliveryResult(IReadOnlyList<NextHopReply> Recipients, NextHopReply Data)
{
    /// <summary>A recipient was delivered when its RCPT and the DATA were both accepted.</summary>
    public bool Delivered(int recipient) => Recipients[recipient].IsPositive && Data.IsPositive;
}
