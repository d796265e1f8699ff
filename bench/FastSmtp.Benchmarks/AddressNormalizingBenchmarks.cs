using System.Text;
using BenchmarkDotNet.Attributes;
using FastSmtp.Policy;

namespace FastSmtp.Benchmarks;

/// <summary>
/// Putting a client's address into the form every table is asked in, per address: plain ASCII
/// (the common case, lower-cased in place), an A-label and a Unicode domain (mapped by UTS #46
/// through ICU), and a fullwidth look-alike (refused).
/// </summary>
[MemoryDiagnoser]
public class AddressNormalizingBenchmarks
{
    private readonly byte[] _ascii = "Someone@Mail.Example.ORG"u8.ToArray();
    private readonly byte[] _aLabel = "someone@shop.xn--bcher-kva.example"u8.ToArray();
    private readonly byte[] _unicode = Encoding.UTF8.GetBytes("jörg@shop.BÜCHER.example");
    private readonly byte[] _lookAlike = Encoding.UTF8.GetBytes("someone@ｗｉｄｇｅｔ.com");
    private readonly byte[] _buffer = new byte[AddressNormalizer.MaxLength];

    [Benchmark(Baseline = true)]
    public int Ascii() => AddressNormalizer.Normalize(_ascii, _buffer);

    [Benchmark]
    public int ALabel() => AddressNormalizer.Normalize(_aLabel, _buffer);

    [Benchmark]
    public int Unicode() => AddressNormalizer.Normalize(_unicode, _buffer);

    [Benchmark]
    public int LookAlikeRefused() => AddressNormalizer.Normalize(_lookAlike, _buffer);
}
