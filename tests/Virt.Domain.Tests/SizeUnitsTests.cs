namespace Virt.Domain.Tests;

[TestFixture]
public sealed class SizeUnitsTests
{
    [TestCase("b", 1UL)]
    [TestCase("byte", 1UL)]
    [TestCase("bytes", 1UL)]
    [TestCase("KB", 1000UL)]
    [TestCase("k", 1024UL)]
    [TestCase("K", 1024UL)]
    [TestCase("KiB", 1024UL)]
    [TestCase("kib", 1024UL)]
    [TestCase("MB", 1000_000UL)]
    [TestCase("M", 1048576UL)]
    [TestCase("MiB", 1048576UL)]
    [TestCase("GB", 1000_000_000UL)]
    [TestCase("G", 1073741824UL)]
    [TestCase("GiB", 1073741824UL)]
    [TestCase("TB", 1000_000_000_000UL)]
    [TestCase("T", 1099511627776UL)]
    [TestCase("TiB", 1099511627776UL)]
    [TestCase("PB", 1000_000_000_000_000UL)]
    [TestCase("PiB", 1125899906842624UL)]
    [TestCase("EB", 1000_000_000_000_000_000UL)]
    [TestCase("EiB", 1152921504606846976UL)]
    public void Known_units_scale_like_libvirt(string unit, ulong scale)
    {
        Assert.That(SizeUnits.TryGetScale(unit, out var actual), Is.True);
        Assert.That(actual, Is.EqualTo(scale));
    }

    [TestCase("")]
    [TestCase("KX")]
    [TestCase("Ki")]
    [TestCase("ZiB")]
    [TestCase("bits")]
    [TestCase("KiBB")]
    public void Unknown_units_are_refused(string unit) => Assert.That(SizeUnits.TryGetScale(unit, out _), Is.False);

    [TestCase(1UL, "EiB", true)]
    [TestCase(8UL, "EiB", false)]
    [TestCase(9223372036854775807UL, "b", true)]
    [TestCase(9223372036854775808UL, "b", false)]
    public void Results_beyond_llong_max_are_refused(ulong value, string unit, bool ok) =>
        Assert.That(SizeUnits.TryToBytes(value, unit, out _), Is.EqualTo(ok));

    [TestCase(0UL, 0UL)]
    [TestCase(1UL, 1UL)]
    [TestCase(1024UL, 1UL)]
    [TestCase(1025UL, 2UL)]
    public void Bytes_round_up_to_KiB(ulong bytes, ulong kib) => Assert.That(SizeUnits.BytesToKiBRoundUp(bytes), Is.EqualTo(kib));
}
