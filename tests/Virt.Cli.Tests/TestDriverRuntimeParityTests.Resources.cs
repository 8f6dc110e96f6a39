namespace Virt.Cli.Tests;

/// <summary>
/// setmem, setmaxmem, setvcpus, dommemstat (with --period), send-key and domstats through <c>vsh -c test:///default</c> against
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
}
