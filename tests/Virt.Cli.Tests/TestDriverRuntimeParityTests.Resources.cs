using System.Text.RegularExpressions;
using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// setmem, setmaxmem, setvcpus, dommemstat (with --period), send-key, domstats, domblkstat and domifstat through <c>vsh -c test:///default</c> against
/// <c>virsh -c test:///default</c>: the same refusals, the same definitions afterwards and libvirt's made-up memory
/// statistics.
/// </summary>
public sealed partial class TestDriverRuntimeParityTests
{
    [TestCase("setmem test 99999999; setmem test 0; setmem test 1000 --live --config; setmem test 1000 --config; setmem test 4000 --live; setmem test 3000; "
        + "setmaxmem test 4000000 --config; setmaxmem test 4000000; dumpxml test --inactive; dumpxml test; dommemstat test")]
    [TestCase("destroy test; setmem test 1000; setmem test 2000 --current; setmaxmem test 1000; dumpxml test; dommemstat test; setmem test 500 --live")]
    public async Task Memory_changes_and_statistics_are_byte_identical(string chain) => await AssertSameAsync(chain);

    [TestCase("dommemstat test --period 3 --config; dommemstat test --period 4; dumpxml test --inactive; dumpxml test; dommemstat test --period 0 --live; dumpxml test; "
        + "dommemstat test --period -1; dommemstat test --period 2 --live --config; destroy test; dommemstat test --period 2 --live")]
    public async Task Memory_statistics_periods_are_byte_identical(string chain) => await AssertSameAsync(chain);

    [TestCase("setvcpus test 0; setvcpus test 33; setvcpus test 3; setvcpus test 1; vcpucount test; setvcpus test 2 --maximum; setvcpus test 3 --config; "
        + "destroy test; setvcpus test 1 --live; setvcpus test 4 --maximum --config; vcpucount test; setvcpus test 3 --config; vcpucount test; "
        + "setvcpus test 1 --maximum --config; vcpucount test; start test; vcpucount test; dumpxml test")]
    public async Task Vcpu_counts_are_byte_identical(string chain) => await AssertSameAsync(chain);

    [TestCase("send-key test KEY_A; send-key test --codeset xt --holdtime 50 30 31; send-key nope KEY_A; destroy test; send-key test KEY_A")]
    public async Task Send_key_is_byte_identical(string chain) => await AssertSameAsync(chain);

    // libvirt's test driver reports the state group only: no "net.count" or "block.count" lines for groups it has
    // nothing for, and one blank line between records (one domain here: with more, libvirt lists its hash's order).
    [TestCase("domstats; domstats test --block --interface --balloon --vcpu --cpu-total; domstats --raw; domstats --list-running --list-persistent; destroy test; "
        + "domstats --list-inactive; domstats test --vcpu; domstats --list-active; domstats --state test; domstats nope")]
    public async Task Domstats_is_byte_identical(string chain) => await AssertSameAsync(chain);

    // The counters are made up from the clock, so the two runs' numbers differ: compared as N, and checked against
    // libvirt's formulas (microseconds since the epoch / 10 read requests, seconds / 1 receive errors) below.
    [TestCase("domblkstat test vda --human; domblkstat test /guest/diskimage1; domblkstat test; domblkstat test nope; domifstat test nope; "
        + "domifstat test aa:bb:cc:dd:ee:ff; domifstat test testnet0; destroy test; domblkstat test vda; domblkstat test; domifstat test testnet0")]
    public async Task Domblkstat_and_domifstat_are_byte_identical_but_for_the_clock(string chain)
    {
        var virshTask = VirshAsync("-c", TestUri, chain);
        var vshTask = VshAsync("-c", TestUri, chain);
        var (virsh, vsh) = (await virshTask, await vshTask);
        Assert.That(Clocked().Replace(vsh.ToString(), "N"), Is.EqualTo(Clocked().Replace(virsh.ToString(), "N")), $"virsh:\n{virsh}\nvsh:\n{vsh}");
    }

    [Test]
    public async Task Domblkstat_and_domifstat_make_their_counters_up_from_the_clock_as_libvirt()
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var output = (await VshAsync("-c", TestUri, "domblkstat test vda; domifstat test testnet0")).Stdout;
        ulong Field(string name) => ulong.Parse(Regex.Match(output, name + @" (\d+)\n").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(Field("vda rd_req") / 100_000, Is.InRange(now - 1, now + 60), output);
        Assert.That(Field("vda rd_bytes"), Is.EqualTo(Field("vda rd_req") / 2).Within(1));
        Assert.That(Field("testnet0 rx_errs"), Is.InRange(now - 1, now + 60));
        Assert.That(Field("testnet0 tx_drop"), Is.EqualTo(Field("testnet0 rx_errs") / 4).Within(1));
    }

    [GeneratedRegex(@"\b\d{6,}\b")]
    private static partial Regex Clocked();
}
