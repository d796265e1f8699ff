namespace FastSmtp.Delivery;

/// <summary>
/// The last few distinct strings made, handed out again when the same characters come back: a
/// next hop answers MAIL, RCPT and DATA with the same text transaction after transaction, and
/// one string each is enough. Not thread-safe: one per connection.
/// </summary>
internal sealed class RecentStrings
{
    private const int Slots = 8;

    private readonly string[] _strings = new string[Slots];
    private int _next;

    public string Get(ReadOnlySpan<char> characters)
    {
        foreach (string? known in _strings)
        {
            if (known is not null && characters.SequenceEqual(known))
            {
                return known;
            }
        }

        string made = new(characters);
        _strings[_next] = made;
        _next = (_next + 1) % Slots;
        return made;
    }
}
