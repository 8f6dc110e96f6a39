namespace Virt.Cli.Output.Tests;

/// <summary>printf's "%.Nf" (glibc rounds the exact binary value half-to-even) and vshPrettyCapacity.</summary>
public sealed class NumberFormatTests
{
    // Expected strings are what glibc's printf prints for these doubles.
    [TestCase(0.25, 1, "0.2")]
    [TestCase(0.35, 1, "0.3")]
    [TestCase(2.5, 0, "2")]
    [TestCase(3.5, 0, "4")]
    [TestCase(0.125, 2, "0.12")]
    [TestCase(1e-7, 1, "0.0")]
    [TestCase(-0.04, 1, "-0.0")]
    [TestCase(1023.995, 2, "1024.00")]
    [TestCase(1795398749.25, 1, "1795398749.2")]
    public void Fixed_rounds_like_glibc(double value, int decimals, string expected)
    {
        Assert.That(CFormat.Fixed(value, decimals), Is.EqualTo(expected));
    }

    [TestCase(0UL, "0.00 B")]
    [TestCase(1023UL, "1023.00 B")]
    [TestCase(1024UL, "1.00 KiB")]
    [TestCase(1536UL, "1.50 KiB")]
    [TestCase(107374182400UL, "100.00 GiB")]
    [TestCase(1125899906842624UL, "1.00 PiB")]
    [TestCase(ulong.MaxValue, "16.00 EiB")]
    public void Capacity_scales_to_binary_units(ulong bytes, string expected)
    {
        Assert.That(Capacity.Format(bytes), Is.EqualTo(expected));
    }

    [Test]
    public void Dominfo_leaves_out_a_zero_cpu_time_and_prints_no_limit()
    {
        var info = DefaultFixture.Info(DomainState.Running, 0) with { MaxMemoryKiB = null, Autostart = null, Persistent = null };
        var text = DomainFormatter.DomInfo(info);
        Assert.That(text, Does.Not.Contain("CPU time:"));
        Assert.That(text, Does.Contain("Max memory:     no limit\n"));
        Assert.That(text, Does.Contain("Persistent:     unknown\n"));
        Assert.That(text, Does.Not.Contain("Autostart:"));
    }

    [Test]
    public void Dominfo_messages_continue_under_an_empty_label()
    {
        var info = DefaultFixture.Info(DomainState.Running, 1) with { Messages = ["tainted: a", "tainted: b"] };
        Assert.That(DomainFormatter.DomInfo(info), Does.EndWith("Messages:       tainted: a\n                tainted: b\n\n"));
    }
}
