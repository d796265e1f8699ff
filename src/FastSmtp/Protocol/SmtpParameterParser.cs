using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace FastSmtp.Protocol;

/// <summary>
/// The grammar of MAIL FROM's and RCPT TO's ESMTP parameters: each keyword recognised once, each
/// value checked against its RFC. What the values mean for this server (a SIZE over the limit,
/// an address that needs SMTPUTF8) is the session's to decide.
/// </summary>
public static class SmtpParameterParser
{
    /// <summary>RFC 3461 4.4: ENVID is at most 100 characters.</summary>
    public const int MaxEnvelopeIdLength = 100;

    private static readonly SearchValues<byte> s_addressTypeCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"u8);

    public static ParameterError TryParseMail(ReadOnlySpan<byte> parameters, out MailParameters result)
    {
        result = default;
        long size = -1;
        bool eightBit = false;
        bool smtpUtf8 = false;
        DsnReturn dsnReturn = DsnReturn.Default;
        ReadOnlySpan<byte> envelopeId = default;
        foreach (SmtpParameter parameter in new SmtpParameterEnumerator(parameters))
        {
            ReadOnlySpan<byte> value = parameter.Value;
            if (Ascii.EqualsIgnoreCase(parameter.Keyword, "SIZE"u8))
            {
                if (!parameter.HasValue || !Utf8Parser.TryParse(value, out size, out int used) || used != value.Length || size < 0)
                {
                    return ParameterError.BadValue;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "BODY"u8))
            {
                eightBit = Ascii.EqualsIgnoreCase(value, "8BITMIME"u8);
                if (!eightBit && !Ascii.EqualsIgnoreCase(value, "7BIT"u8))
                {
                    return ParameterError.BadValue;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "SMTPUTF8"u8) && !parameter.HasValue)
            {
                smtpUtf8 = true;
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "RET"u8))
            {
                dsnReturn = Ascii.EqualsIgnoreCase(value, "FULL"u8) ? DsnReturn.Full
                    : Ascii.EqualsIgnoreCase(value, "HDRS"u8) ? DsnReturn.Headers
                    : DsnReturn.Default;
                if (dsnReturn == DsnReturn.Default)
                {
                    return ParameterError.BadValue;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "ENVID"u8))
            {
                if (!parameter.HasValue || value.Length > MaxEnvelopeIdLength || !IsXtext(value))
                {
                    return ParameterError.BadValue;
                }

                envelopeId = value;
            }
            else if (!Ascii.EqualsIgnoreCase(parameter.Keyword, "AUTH"u8))
            {
                // AUTH= is allowed and, as RFC 4954 5 permits, ignored; anything else is not implemented.
                return ParameterError.Unsupported;
            }
        }

        result = new MailParameters { Size = size, EightBitMime = eightBit, SmtpUtf8 = smtpUtf8, Return = dsnReturn, EnvelopeId = envelopeId };
        return ParameterError.None;
    }

    public static ParameterError TryParseRcpt(ReadOnlySpan<byte> parameters, out RcptParameters result)
    {
        result = default;
        RecipientNotify notify = RecipientNotify.Default;
        ReadOnlySpan<byte> originalRecipient = default;
        foreach (SmtpParameter parameter in new SmtpParameterEnumerator(parameters))
        {
            ReadOnlySpan<byte> value = parameter.Value;
            if (Ascii.EqualsIgnoreCase(parameter.Keyword, "NOTIFY"u8))
            {
                if (!TryParseNotify(value, out notify))
                {
                    return ParameterError.BadValue;
                }
            }
            else if (Ascii.EqualsIgnoreCase(parameter.Keyword, "ORCPT"u8))
            {
                // RFC 3461 4.2: addr-type ";" xtext, addr-type an atom ("rfc822", "utf-8").
                int semicolon = value.IndexOf((byte)';');
                if (semicolon <= 0 || !IsAddressType(value[..semicolon]) || !IsXtext(value[(semicolon + 1)..]))
                {
                    return ParameterError.BadValue;
                }

                originalRecipient = value;
            }
            else
            {
                return ParameterError.Unsupported;
            }
        }

        result = new RcptParameters { Notify = notify, OriginalRecipient = originalRecipient };
        return ParameterError.None;
    }

    /// <summary>RFC 3461 4.1: NEVER, or a comma list of SUCCESS, FAILURE and DELAY.</summary>
    private static bool TryParseNotify(ReadOnlySpan<byte> value, out RecipientNotify notify)
    {
        notify = RecipientNotify.Default;
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> item = value[range];
            RecipientNotify flag = Ascii.EqualsIgnoreCase(item, "NEVER"u8) ? RecipientNotify.Never
                : Ascii.EqualsIgnoreCase(item, "SUCCESS"u8) ? RecipientNotify.Success
                : Ascii.EqualsIgnoreCase(item, "FAILURE"u8) ? RecipientNotify.Failure
                : Ascii.EqualsIgnoreCase(item, "DELAY"u8) ? RecipientNotify.Delay
                : RecipientNotify.Default;
            if (flag == RecipientNotify.Default)
            {
                return false;
            }

            notify |= flag;
        }

        return notify != RecipientNotify.Default && (notify == RecipientNotify.Never || (notify & RecipientNotify.Never) == 0);
    }

    private static bool IsAddressType(ReadOnlySpan<byte> value) =>
        value.Length <= 64 && !value.ContainsAnyExcept(s_addressTypeCharacters);

    /// <summary>RFC 3461 4: xtext is printable ASCII from '!' to '~' except '+' and '=', with "+XX" hex escapes.</summary>
    private static bool IsXtext(ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == (byte)'+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigitUpper((char)value[i + 1]) || !char.IsAsciiHexDigitUpper((char)value[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (b is < 33 or > 126 || b == (byte)'=')
            {
                return false;
            }
        }

        return true;
    }
}
