using System.Net;
using System.Text;
using FastSmtp.Policy;

namespace FastSmtp.Tests.Policy;

/// <summary>UTS #46 mapping of domains, and the look-alike and invisible forms refused instead of looked up.</summary>
public class InternationalDomainTests
{
    private static readonly IPAddress s_outsider = IPAddress.Parse("198.51.100.9");

    /// <summary>Each is a way to write a listed domain (widget.com, spam.test, localhost) that a reader cannot tell apart, or cannot be mapped.</summary>
    public static TheoryData<string> LookAlikes => new()
    {
        "ｗｉｄｇｅｔ.com",                 // fullwidth letters
        "wid\u00ADget.com",               // soft hyphen
        "widget.com\u200B",               // zero-width space
        "wid\u2060get.com",               // word joiner
        "wid\uFE0Fget.com",               // variation selector
        "wid\u034Fget.com",               // combining grapheme joiner
        "ｓｐａｍ.test",
        "ｌｏｃａｌｈｏｓｔ",
        "bu\u0308cher.example",           // decomposed: the mapping composes it
        "\u2460.example",                 // circled digit one maps to "1"
        "wi\u200Ddget.com",               // a joiner out of its context
        "\u3164.com",                     // Hangul filler
        "wid\u0433et.com",                // Latin with one Cyrillic letter
        "\u0440\u0430\u0443\u0440\u0430l.com", // "paypal" in Cyrillic but for the l
        "\u0455\u0440\u0430\u0441\u0435.test", // "space" entirely in Cyrillic look-alikes
        "\u03BF\u03BD\u03BF.test",        // "ovo" in Greek look-alikes
        "xn--l-7sba6dbr.com",             // the A-label of the Cyrillic "paypal"
        "xn--zz.example",                 // an A-label that does not decode
        "XN--ZZ.example",
    };

    [Theory]
    [MemberData(nameof(LookAlikes))]
    public void A_look_alike_or_invisible_domain_is_refused_by_every_check_and_never_looked_up(string domain)
    {
        byte[] address = Encoding.UTF8.GetBytes("x@" + domain);
        Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];

        Assert.Equal(AddressNormalizer.DomainRefused, AddressNormalizer.Normalize(address, buffer));
        // kill.lst at MAIL
        Assert.Equal(PolicyOutcome.SenderDomainRefused, TestPolicy.Instance.CheckSender(address).Outcome);
        // hosts/users/aliases/groups at RCPT, and the relay rule, for an outsider and for a relay.txt client
        Assert.Equal(PolicyOutcome.RecipientDomainRefused, TestPolicy.Instance.CheckRecipient(s_outsider, default, address, authenticated: false).Outcome);
        Assert.Equal(PolicyOutcome.RecipientDomainRefused, TestPolicy.Instance.CheckRecipient(IPAddress.Loopback, default, address, authenticated: true).Outcome);
        // VRFY, EXPN and AUTH names
        Assert.Equal(LocalNameKind.NotLocal, TestPolicy.Instance.FindLocal(address).Kind);
        // policy explain and tests.txt run the same checks
        PolicyEvaluation explained = TestPolicy.Instance.Evaluate(IPAddress.Loopback, "a@example.org", "x@" + domain, null);
        Assert.Equal("553 5.1.3 recipient domain refused: look-alike, invisible or unmappable characters", explained.Reply);
        Assert.Contains("UTS #46", explained.Explanation);
    }

    [Theory]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("BÜCHER.Example", "xn--bcher-kva.example")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.Example", "xn--bcher-kva.example")]
    [InlineData("пример.рф", "xn--e1afmkfd.xn--p1ai")]
    [InlineData("ελλάδα.gr", "xn--hxakic4aa.gr")]
    [InlineData("faß.de", "xn--fa-hia.de")]
    [InlineData("FAẞ.de", "xn--fa-hia.de")]
    [InlineData("例え.jp", "xn--r8jz45g.jp")]
    public void A_domain_written_as_its_mapping_writes_it_becomes_its_a_label(string domain, string expected)
    {
        Span<byte> buffer = stackalloc byte[AddressNormalizer.MaxLength];
        int length = AddressNormalizer.Normalize(Encoding.UTF8.GetBytes("x@" + domain), buffer);

        Assert.True(length > 0, $"refused: {length}");
        Assert.Equal("x@" + expected, Encoding.ASCII.GetString(buffer[..length]));
    }

    [Fact]
    public void This_process_maps_as_uts46_says()
    {
        // Without ICU the look-alikes above would be refused only because nothing maps at all.
        Assert.True(InternationalDomain.MappingAvailable);
    }

    [Theory]
    [InlineData(0x00AD, true)]
    [InlineData(0x200B, true)]
    [InlineData(0xE0001, true)]
    [InlineData('a', false)]
    [InlineData(0x00E9, false)]
    public void Default_ignorable_code_points_are_known(int rune, bool ignorable) =>
        Assert.Equal(ignorable, InternationalDomain.IsDefaultIgnorable(rune));
}
