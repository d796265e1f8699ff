using System.Globalization;
using System.Text;

namespace FastSmtp.Policy;

/// <summary>
/// UTS #46 processing (IDNA2008 with the usual mapping, by ICU through <see cref="IdnMapping"/>)
/// of a domain that holds non-ASCII characters or an A-label (xn--), into the A-label form the
/// policy tables hold. A domain is refused rather than looked up as written when:
/// <list type="bullet">
/// <item>the mapping cannot process it (disallowed characters, a broken A-label, joiners out of context);</item>
/// <item>the mapping would change it other than in letter case: fullwidth or compatibility forms,
/// soft hyphens, zero-width and other ignored characters, decomposed accents. Those are changes a
/// reader cannot see, so a listed domain could hide behind them;</item>
/// <item>it still holds a default-ignorable character the mapping kept;</item>
/// <item>a label mixes Latin, Greek and Cyrillic letters, or is written entirely in Greek or
/// Cyrillic letters that all look like Latin ones ("раура1"): a look-alike of a Latin name.</item>
/// </list>
/// This runs only for such domains; plain ASCII ones never get here and allocate nothing.
/// </summary>
public static class InternationalDomain
{
    /// <summary>
    /// Whether this process maps as UTS #46 says. Without ICU (invariant globalization) .NET
    /// encodes to Punycode but maps nothing, so ｗｉｄｇｅｔ.com would stay a name of its own:
    /// then every such domain is refused instead.
    /// </summary>
    public static bool MappingAvailable { get; } = Maps();

    /// <summary>Writes the A-label form of <paramref name="domain"/> (UTF-8) in lower case; false when it is refused or does not fit.</summary>
    public static bool TryToAscii(ReadOnlySpan<byte> domain, Span<byte> destination, out int written)
    {
        written = 0;
        if (!MappingAvailable || !System.Text.Unicode.Utf8.IsValid(domain))
        {
            return false;
        }

        string lower = Encoding.UTF8.GetString(domain).ToLowerInvariant();
        var mapping = new IdnMapping { UseStd3AsciiRules = true };
        string ascii;
        string unicode;
        try
        {
            if (Ascii.IsValid(lower))
            {
                // A-labels: they must decode, and be the very encoding of what they decode to.
                unicode = mapping.GetUnicode(lower);
                ascii = mapping.GetAscii(unicode);
                if (!string.Equals(ascii, lower, StringComparison.Ordinal))
                {
                    return false;
                }
            }
            else
            {
                ascii = mapping.GetAscii(lower);
                unicode = mapping.GetUnicode(ascii);
                if (!string.Equals(unicode, lower, StringComparison.Ordinal))
                {
                    return false;
                }
            }
        }
        catch (ArgumentException)
        {
            return false;
        }

        if (HasHiddenCharacter(unicode) || HasLookAlikeLabel(unicode) || ascii.Length > destination.Length)
        {
            return false;
        }

        written = Encoding.ASCII.GetBytes(ascii, destination);
        return true;
    }

    /// <summary>Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties): drawn as nothing at all.</summary>
    public static bool IsDefaultIgnorable(int rune) => rune switch
    {
        0x00AD or 0x034F or 0x061C or 0x3164 or 0xFEFF or 0xFFA0 => true,
        >= 0x115F and <= 0x1160 => true,
        >= 0x17B4 and <= 0x17B5 => true,
        >= 0x180B and <= 0x180F => true,
        >= 0x200B and <= 0x200F => true,
        >= 0x202A and <= 0x202E => true,
        >= 0x2060 and <= 0x206F => true,
        >= 0xFE00 and <= 0xFE0F => true,
        >= 0xFFF0 and <= 0xFFF8 => true,
        >= 0x1BCA0 and <= 0x1BCA3 => true,
        >= 0x1D173 and <= 0x1D17A => true,
        >= 0xE0000 and <= 0xE0FFF => true,
        _ => false,
    };

    private static bool HasHiddenCharacter(string unicode)
    {
        foreach (Rune rune in unicode.EnumerateRunes())
        {
            if (IsDefaultIgnorable(rune.Value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasLookAlikeLabel(string unicode)
    {
        foreach (Range label in unicode.AsSpan().Split('.'))
        {
            if (IsLookAlike(unicode.AsSpan()[label]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Latin, Greek and Cyrillic letters in one label, or Greek or Cyrillic letters that all look Latin.</summary>
    private static bool IsLookAlike(ReadOnlySpan<char> label)
    {
        bool latin = false, greek = false, cyrillic = false, allLookLatin = true;
        foreach (Rune rune in label.EnumerateRunes())
        {
            switch (ScriptOf(rune.Value))
            {
                case Script.Latin:
                    latin = true;
                    break;
                case Script.Greek:
                    greek = true;
                    allLookLatin &= LooksLatin(rune.Value);
                    break;
                case Script.Cyrillic:
                    cyrillic = true;
                    allLookLatin &= LooksLatin(rune.Value);
                    break;
            }
        }

        int scripts = (latin ? 1 : 0) + (greek ? 1 : 0) + (cyrillic ? 1 : 0);
        return scripts > 1 || (!latin && (greek || cyrillic) && allLookLatin);
    }

    private enum Script : byte
    {
        Other,
        Latin,
        Greek,
        Cyrillic,
    }

    private static Script ScriptOf(int rune) => rune switch
    {
        >= 'a' and <= 'z' => Script.Latin,
        0xD7 or 0xF7 => Script.Other,
        >= 0x00C0 and <= 0x024F => Script.Latin,
        >= 0x1E00 and <= 0x1EFF => Script.Latin,
        >= 0x2C60 and <= 0x2C7F => Script.Latin,
        >= 0xA720 and <= 0xA7FF => Script.Latin,
        >= 0xAB30 and <= 0xAB6F => Script.Latin,
        >= 0x0370 and <= 0x03FF => Script.Greek,
        >= 0x1F00 and <= 0x1FFF => Script.Greek,
        >= 0x0400 and <= 0x052F => Script.Cyrillic,
        >= 0x1C80 and <= 0x1C8F => Script.Cyrillic,
        >= 0x2DE0 and <= 0x2DFF => Script.Cyrillic,
        >= 0xA640 and <= 0xA69F => Script.Cyrillic,
        _ => Script.Other,
    };

    /// <summary>Lower-case Greek and Cyrillic letters commonly drawn like a Latin one (from Unicode's confusables).</summary>
    private static bool LooksLatin(int rune) => rune switch
    {
        // Cyrillic: а е і ј о р с у х ѕ һ ӏ ү ԁ ԛ ԝ ь ѵ
        0x0430 or 0x0435 or 0x0456 or 0x0458 or 0x043E or 0x0440 or 0x0441 or 0x0443 or 0x0445
            or 0x0455 or 0x04BB or 0x04CF or 0x04AF or 0x0501 or 0x051B or 0x051D or 0x044C or 0x0475 => true,
        // Greek: α γ ι κ ν ο ρ υ χ
        0x03B1 or 0x03B3 or 0x03B9 or 0x03BA or 0x03BD or 0x03BF or 0x03C1 or 0x03C5 or 0x03C7 => true,
        _ => false,
    };

    private static bool Maps()
    {
        try
        {
            return new IdnMapping().GetAscii("\uFF57") == "w";
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
