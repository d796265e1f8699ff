namespace FastSmtp.Protocol;

/// <summary>
/// Checks BDAT content for bare CR or LF, and NUL. BDAT carries no dot-stuffing, but a message
/// relayed later over DATA must not hold a line ending the next hop could read differently, nor
/// (without BINARYMIME, which FastSmtp does not offer) a NUL.
/// </summary>
public struct LineEndingValidator
{
    private bool _pendingCR;

    public bool SawBareLineEnding { get; private set; }

    public bool SawNul { get; private set; }

    public void Reset()
    {
        _pendingCR = false;
        SawBareLineEnding = false;
        SawNul = false;
    }

    public void Check(ReadOnlySpan<byte> content)
    {
        int i = 0;
        while (i < content.Length)
        {
            if (_pendingCR)
            {
                _pendingCR = false;
                if (content[i] == (byte)'\n')
                {
                    i++;
                    continue;
                }

                SawBareLineEnding = true;
            }

            int index = content[i..].IndexOfAny((byte)'\r', (byte)'\n', (byte)0);
            if (index < 0)
            {
                return;
            }

            i += index;
            if (content[i] == 0)
            {
                SawNul = true;
            }
            else if (content[i] == (byte)'\n')
            {
                SawBareLineEnding = true;
            }
            else
            {
                _pendingCR = true;
            }

            i++;
        }
    }

    /// <summary>At the end of the message: a final CR with no LF after it is bare too.</summary>
    public void Complete()
    {
        if (_pendingCR)
        {
            SawBareLineEnding = true;
            _pendingCR = false;
        }
    }
}
