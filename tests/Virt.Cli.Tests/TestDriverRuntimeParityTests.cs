using System.Text.RegularExpressions;
using static Virt.Cli.Tests.Processes;

namespace Virt.Cli.Tests;

/// <summary>
/// domifaddr, screenshot, domblklist and domiflist through <c>vsh -c test:///default</c> against
/// <c>virsh -c test:///default</c>: libvirt's test driver makes up one IPv4 address per interface, a target name for
/// interfaces without one and returns a fixed PNG, and ours must print the same.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed partial class TestDriverRuntimeParityTests
{
    // A network interface, one on user networking, one on a bridge and a second network one: the made-up addresses
    // depend on the interface's index, its type and the domain's id.
    private const string ManyInterfaces = """
        <domain type='test'>
          <name>nics</name>
          <memory unit='KiB'>65536</memory>
          <vcpu>1</vcpu>
          <os><type arch='i686'>hvm</type></os>
          <devices>
            <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>
            <interface type='user'><mac address='52:54:00:00:00:02'/></interface>
            <interface type='bridge'><mac address='52:54:00:00:00:03'/><source bridge='br0'/></interface>
            <interface type='network'><mac address='52:54:00:00:00:04'/><source network='default'/><target dev='mine0'/></interface>
          </devices>
        </domain>
        """;

    private const string UnknownNetwork = """
        <domain type='test'>
          <name>lost</name>
          <memory unit='KiB'>65536</memory>
          <vcpu>1</vcpu>
          <os><type arch='i686'>hvm</type></os>
          <devices>
            <interface type='network'><mac address='52:54:00:00:00:05'/><source network='nosuch'/></interface>
          </devices>
        </domain>
        """;

    // Disks of every source kind (a file with a space in its name, a block device, a pool volume, an empty CD-ROM) and
    // interfaces with and without a target or a model: virsh lists them from the XML, the disks in the order the
    // driver keeps them (libvirt sorts them by bus), and the test driver names the targets it is not given.
    private const string ManyDevices = """
        <domain type='test'>
          <name>devs</name>
          <memory unit='KiB'>65536</memory>
          <vcpu>1</vcpu>
          <os><type arch='i686'>hvm</type></os>
          <devices>
            <disk type='file' device='disk'><source file='/var/lib/images/a long name.qcow2'/><target dev='vda' bus='virtio'/></disk>
            <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='sdb' bus='scsi'/></disk>
            <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
            <disk type='volume' device='disk'><source pool='default' volume='v1.img'/><target dev='vdb' bus='virtio'/></disk>
            <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><model type='virtio'/></interface>
            <interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/><target dev='tap7'/><model type='e1000'/></interface>
            <interface type='user'><mac address='52:54:00:00:00:03'/></interface>
          </devices>
        </domain>
        """;

    [Test]
    public async Task Domblklist_and_domiflist_of_many_kinds_of_device_are_byte_identical()
    {
        var file = WriteFile("parity-devs.xml", ManyDevices);
        await AssertSameAsync($"define {file}; domblklist devs; domblklist devs --details; domiflist devs; start devs; domblklist devs --details; domiflist devs; domiflist devs --inactive");
    }

    [Test]
    public async Task Domblkinfo_of_many_kinds_of_disk_is_byte_identical()
    {
        // The empty CD-ROM has no sizes (dashes in --all, libvirt's refusal by name); the test driver gives every other
        // disk the same made-up sizes, by target or by source path, active or not.
        var file = WriteFile("parity-blkinfo.xml", ManyDevices);
        await AssertSameAsync($"define {file}; domblkinfo devs --all; domblkinfo devs --all --human; domblkinfo devs vda; domblkinfo devs '/var/lib/images/a long name.qcow2' --human; "
            + "domblkinfo devs hdc; domblkinfo devs vdz; domblkinfo devs; domblkinfo devs --all --device vda; start devs; domblkinfo devs --all; domblkinfo devs sdb");
    }

    [TestCase("domcontrol test; domcontrol 1; domcontrol nope; domcontrol; destroy test; domcontrol test; help domcontrol; help domblkinfo")]
    [TestCase("qemu-monitor-command test '{\"execute\":\"query-status\"}'; qemu-monitor-command test --hmp info status; qemu-monitor-command nope query-status; qemu-monitor-command test; qemu-monitor-command test --hmp --pretty x; qemu-monitor-command test --hmp --return-value x; help qemu-monitor-command")]
    [TestCase("qemu-monitor-event; qemu-monitor-event test --event STOP --loop; qemu-monitor-event nope; help qemu-monitor-event")]
    public async Task Domcontrol_and_the_monitor_commands_refusals_are_byte_identical(string chain) => await AssertSameAsync(chain);

    [TestCase("domifaddr test; domifaddr test --full; domifaddr test --source agent; domifaddr test --source arp; domifaddr test --source lease")]
    [TestCase("domifaddr test --interface testnet0; domifaddr test --interface nope; domifaddr 1; domifaddr 6695eb01-f6a4-8304-79aa-97f2502e193f")]
    [TestCase("domifaddr nope; domifaddr test --source bogus; domifaddr test --interface aa:bb:cc:dd:ee:ff")]
    [TestCase("destroy test; domifaddr test")]
    public async Task Domifaddr_of_the_fixture_is_byte_identical(string chain) => await AssertSameAsync(chain);

    [Test]
    public async Task Domifaddr_addresses_follow_the_interface_and_the_domain_id_as_in_virsh()
    {
        var file = WriteFile("parity-nics.xml", ManyInterfaces);
        // The second start gets id 3: the addresses on the network move by 20 per id, the others stay.
        await AssertSameAsync($"define {file}; start nics; domifaddr nics; domifaddr nics --interface mine0; destroy nics; start nics; domifaddr nics --full");
    }

    [Test]
    public async Task Domifaddr_of_an_interface_on_an_unknown_network_fails_as_in_virsh()
    {
        var file = WriteFile("parity-lost.xml", UnknownNetwork);
        await AssertSameAsync($"define {file}; start lost; domifaddr lost");
    }

    [TestCase("")]
    [TestCase("destroy test; ")]
    [TestCase("suspend test; ")]
    public async Task Screenshot_to_a_named_file_is_a_png_in_any_state_as_in_virsh(string before)
    {
        var virshFile = Path.Combine(WorkDirectory, $"shot-virsh-{Guid.NewGuid():N}.png");
        var vshFile = Path.Combine(WorkDirectory, $"shot-vsh-{Guid.NewGuid():N}.png");
        try
        {
            var virshTask = VirshAsync("-c", TestUri, $"{before}screenshot test --file {virshFile} --screen 1");
            var vshTask = VshAsync("-c", TestUri, $"{before}screenshot test --file {vshFile} --screen 1");
            var (virsh, vsh) = (await virshTask, await vshTask);

            Assert.That(vsh with { Stdout = vsh.Stdout.Replace(vshFile, virshFile, StringComparison.Ordinal) }, Is.EqualTo(virsh), $"virsh:\n{virsh}\nvsh:\n{vsh}");
            Assert.That(vsh.Stdout, Does.Contain($"Screenshot saved to {vshFile}, with type of image/png"));
            AssertPng(vshFile);
        }
        finally
        {
            File.Delete(virshFile);
            File.Delete(vshFile);
        }
    }

    [Test]
    public async Task Screenshot_without_a_file_names_it_after_the_domain_and_the_time_as_virsh()
    {
        var virshTask = VirshAsync("-c", TestUri, "screenshot", "test");
        var vshTask = VshAsync("-c", TestUri, "screenshot", "test");
        var (virsh, vsh) = (await virshTask, await vshTask);

        Assert.That((vsh.ExitCode, vsh.Stderr), Is.EqualTo((virsh.ExitCode, virsh.Stderr)));
        var virshName = GeneratedName().Match(virsh.Stdout);
        var vshName = GeneratedName().Match(vsh.Stdout);
        Assert.That(virshName.Success, Is.True, virsh.Stdout);
        Assert.That(vshName.Success, Is.True, vsh.Stdout);
        try
        {
            Assert.That(vsh.Stdout.Replace(vshName.Groups[1].Value, "NAME", StringComparison.Ordinal),
                Is.EqualTo(virsh.Stdout.Replace(virshName.Groups[1].Value, "NAME", StringComparison.Ordinal)));
            AssertPng(Path.Combine(WorkDirectory, vshName.Groups[1].Value));
        }
        finally
        {
            File.Delete(Path.Combine(WorkDirectory, virshName.Groups[1].Value));
            File.Delete(Path.Combine(WorkDirectory, vshName.Groups[1].Value));
        }
    }

    [Test]
    public async Task Screenshot_of_an_unknown_domain_is_byte_identical() => await AssertSameAsync("screenshot nope --file never.png");

    private static void AssertPng(string file)
    {
        var bytes = File.ReadAllBytes(file);
        Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a }), $"{file} is not a PNG");
        var width = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16, 4));
        var height = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20, 4));
        Assert.That((width, height), Is.Not.EqualTo((0u, 0u)));
    }

    // The test driver's vCPU time grows with the clock (a tenth of a second per 1,000 s); the rest is fixed.
    [TestCase("vcpuinfo test; vcpuinfo test --pretty; vcpucount test; vcpucount test --maximum --live; nodecpumap; nodecpumap --pretty; help nodecpumap")]
    public async Task Vcpuinfo_vcpucount_and_nodecpumap_are_byte_identical_but_for_the_cpu_time(string chain)
    {
        var (virsh, vsh) = (await VirshAsync("-c", TestUri, chain), await VshAsync("-c", TestUri, chain));
        static ProcessResult Untimed(ProcessResult r) => r with { Stdout = CpuTime().Replace(r.Stdout, "CPU time:       Ns") };
        Assert.That(Untimed(vsh), Is.EqualTo(Untimed(virsh)), $"virsh:\n{virsh}\nvsh:\n{vsh}");
        Assert.That(vsh.Stdout, Does.Match(@"CPU time:       \d+\.\ds\n"));
    }

    // The test driver's vCPUs may run on 16 CPUs (nodeinfo's), of which virsh shows the node CPU map's 8; an inactive
    // domain's vcpuinfo is its pinning, and virsh refuses --live for it itself.
    [TestCase("vcpupin test; emulatorpin test; vcpupin test --config; vcpupin test 1; destroy test; vcpucount test; vcpuinfo test; vcpupin test --live; emulatorpin test --config; emulatorpin test --live; vcpupin test 7")]
    public async Task Vcpu_pinning_queries_are_byte_identical(string chain) => await AssertSameAsync(chain);

    // libvirt's test driver pins a running domain's vCPU with no flag only, and its emulator in one definition; virsh
    // itself pins the running emulator when no flag is given.
    [TestCase("vcpupin test 0 1 --live; vcpupin test 5 1; vcpupin test 0 1 --current; vcpupin test 1 2-3; vcpupin test; vcpuinfo test; vcpupin test --config; destroy test; vcpupin test 0 1; vcpupin test 0 1 --config")]
    [TestCase("emulatorpin test 2-3 --live; emulatorpin test; emulatorpin test 1 --config; emulatorpin test --config; emulatorpin test 3 --live --config; emulatorpin test 5; emulatorpin test; destroy test; emulatorpin test 4; emulatorpin test 4 --current; emulatorpin test --config; emulatorpin test 2 --live; emulatorpin nope 1")]
    public async Task Vcpu_and_emulator_pinning_is_byte_identical(string chain) => await AssertSameAsync(chain);

    [Test]
    public async Task A_transient_domains_emulator_is_pinned_live_only_as_in_virsh()
    {
        var file = WriteFile("parity-pin.xml", ManyInterfaces);
        await AssertSameAsync($"create {file}; emulatorpin nics 1 --config; emulatorpin nics 2; emulatorpin nics; vcpupin nics 0 3; vcpupin nics");
    }

    [TestCase("domrename test t2; destroy test; domrename test t2; list --all; domrename t2 t2; domrename t2 ''; domrename nope x; domrename 1 x; domuuid t2; domrename t2; help domrename")]
    [TestCase("destroy test; autostart test; domrename 6695eb01-f6a4-8304-79aa-97f2502e193f t3; list --all --autostart; start t3; domrename t3 t4; destroy t3; domrename t3 test; dumpxml test --inactive")]
    public async Task Domrename_is_byte_identical(string chain) => await AssertSameAsync(chain);

    [Test]
    public async Task Domrename_to_the_name_of_another_domain_is_refused_as_in_virsh()
    {
        var file = WriteFile("parity-rename.xml", ManyInterfaces);
        await AssertSameAsync($"define {file}; domrename nics test; destroy test; domrename test nics; domrename nics other; list --all");
    }

    // libvirt's test driver has no virDomainUpdateDeviceFlags: domif-setlink and update-device fail there after virsh's
    // own checks, and --print-xml shows the interface element virsh would send, as libxml2 prints it.
    [TestCase("domif-getlink test testnet0; domif-getlink test AA:BB:CC:DD:EE:FF; domif-getlink test 11:22:33:44:55:66; domif-getlink test nope; domif-getlink test testnet0 --config; "
        + "domif-setlink test testnet0 down --print-xml; domif-setlink test aa:bb:cc:dd:ee:ff up --config --print-xml; domif-setlink test testnet0 bogus; domif-setlink test nope down; "
        + "domif-setlink test testnet0 down; destroy test; domif-setlink test testnet0 down; domif-setlink test testnet0 down --print-xml; help domif-setlink; help domif-getlink")]
    [TestCase("attach-device test {0}; attach-device test {0} --config; detach-device test {0}; detach-device test {0} --persistent; attach-device test {0} --persistent --current; "
        + "attach-device nope {0}; detach-device test /nonexistent.xml; help attach-device; help detach-device")]
    [TestCase("update-device test {0}; update-device test /nonexistent.xml; update-device nope {0}; update-device test {0} --live --config; update-device test {0} --current --live; "
        + "update-device test {0} --persistent --current; help update-device")]
    public async Task Link_state_and_device_changes_are_byte_identical(string chain)
    {
        var file = WriteFile($"parity-link-{Guid.NewGuid():N}.xml", "<interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/><source network='default'/><link state='down'/></interface>\n");
        await AssertSameAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, chain, file));
    }

    [Test]
    public async Task Under_quiet_domif_getlink_and_print_xml_end_without_a_newline_as_in_virsh()
    {
        const string Chain = "domif-getlink test testnet0; domif-setlink test testnet0 down --print-xml";
        var virshTask = VirshAsync("-q", "-c", TestUri, Chain);
        var vshTask = VshAsync("-q", "-c", TestUri, Chain);
        var (virsh, vsh) = (await virshTask, await vshTask);
        Assert.That(vsh, Is.EqualTo(virsh), $"virsh:\n{virsh}\nvsh:\n{vsh}");
        Assert.That(vsh.Stdout, Does.StartWith("testnet0 up<interface type=\"network\">").And.EndWith("<link state=\"down\"/></interface>"));
    }

    private static async Task AssertSameAsync(string chain)
    {
        var virshTask = VirshAsync("-c", TestUri, chain);
        var vshTask = VshAsync("-c", TestUri, chain);
        var (virsh, vsh) = (await virshTask, await vshTask);
        Assert.That(vsh, Is.EqualTo(virsh), $"virsh:\n{virsh}\nvsh:\n{vsh}");
    }

    [GeneratedRegex(@"CPU time:       \d+\.\ds")]
    private static partial Regex CpuTime();

    [GeneratedRegex(@"^Screenshot saved to (test-\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d\.png), with type of image/png$", RegexOptions.Multiline)]
    private static partial Regex GeneratedName();
}
