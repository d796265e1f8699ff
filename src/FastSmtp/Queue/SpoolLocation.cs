namespace FastSmtp.Queue;

/// <summary>A record's place in the log: its segment and its offset there. Replaced whole, never torn.</summary>
public sealed record SpoolLocation(long Segment, long Offset);
