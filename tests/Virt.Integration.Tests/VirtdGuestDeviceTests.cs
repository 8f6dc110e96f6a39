using System.Globalization;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// domblklist and domiflist name the devices that domblkstat and domifstat take, for a real guest with a qcow2 disk and
/// a user-mode NIC; domblkstat reads QEMU's counters in virsh's order and words; domblkinfo reads the images' sizes as
/// libvirt does, from the files while the guest is off and from QEMU while it runs.
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Domblklist_and_domiflist_list_a_guests_devices_and_domblkstat_reads_the_disk_in_virshs_order(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var disk = Path.Combine(virtd.StateDir, "data disk.qcow2");
        await HostTool.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", disk, "16M");
        var raw = Path.Combine(virtd.StateDir, "sparse.raw");
        await using (var sparse = File.Create(raw))
        {
            sparse.SetLength(8 << 20);
        }
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb", $"""
            <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
            <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{raw}'/><target dev='vdb' bus='virtio'/></disk>
            <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>
            <interface type='user'><mac address='52:54:00:aa:bb:01'/><model type='virtio'/></interface>
            """);
        await VshRun.OkAsync(virtd, "define", file);
        var rule = new string('-', 12 + disk.Length);
        var blockList = $" Target   Source\n{rule}\n vda      {disk}\n vdb      {raw}\n sda      -\n\n";
        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "hb"), Is.EqualTo(blockList));

        // Off: capacity is the image's virtual size, allocation its blocks on the host, physical the file's size.
        var qcow2Info = $"Capacity:       16777216\nAllocation:     {await AllocatedBytesAsync(disk)}\nPhysical:       {new FileInfo(disk).Length}\n\n";
        Assert.That(await VshRun.OkAsync(virtd, "domblkinfo", "hb", "vda"), Is.EqualTo(qcow2Info));
        Assert.That(await VshRun.OkAsync(virtd, "domblkinfo", "hb", raw), Is.EqualTo("Capacity:       8388608\nAllocation:     0\nPhysical:       8388608\n\n"), "by source path");
        Assert.That(Regex.Replace(await VshRun.OkAsync(virtd, "domblkinfo", "hb", "--all", "--human"), " +", " "), Does.EndWith(
            " vdb 8.000 MiB 0.000 B 8.000 MiB\n sda - - -\n\n"), "the empty CD-ROM has no sizes");
        var empty = await VshRun.RunAsync(virtd, "domblkinfo", "hb", "sda");
        Assert.That((empty.Code, empty.Err), Is.EqualTo((1, "error: invalid argument: disk 'sda' does not currently have a source assigned\n")));
        // domstats of the shut-off domain, as libvirt's QEMU driver: the definition's memory and vCPUs, the disks with
        // the images' sizes and no counters, no interfaces.
        Assert.That(await VshRun.OkAsync(virtd, "domstats", "hb"), Is.EqualTo(
            "Domain: 'hb'\n  state.state=5\n  state.reason=0\n  balloon.current=131072\n  balloon.maximum=131072\n  vcpu.current=1\n  vcpu.maximum=1\n"
            + $"  block.count=3\n  block.0.name=vda\n  block.0.path={disk}\n  block.0.allocation={await AllocatedBytesAsync(disk)}\n  block.0.capacity=16777216\n"
            + $"  block.0.physical={new FileInfo(disk).Length}\n  block.1.name=vdb\n  block.1.path={raw}\n  block.1.allocation=0\n  block.1.capacity=8388608\n"
            + "  block.1.physical=8388608\n  block.2.name=sda\n\n"));

        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(virtd, uuid), 2, _boot);

        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "hb"), Is.EqualTo(blockList), "the live definition has the same disks");
        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "hb", "--details", "--inactive"),
            Is.EqualTo($" Type   Device   Target   Source\n{new string('-', 28 + disk.Length)}\n file   disk     vda      {disk}\n file   disk     vdb      {raw}\n file   cdrom    sda      -\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domiflist", "hb"), Is.EqualTo(
            " Interface   Type   Source   Model    MAC\n---------------------------------------------------------\n -           user   -        virtio   52:54:00:aa:bb:01\n\n"));

        // The guest's kernel has probed the disk by its first heartbeat: QEMU counted reads.
        var stats = await VshRun.OkAsync(virtd, "domblkstat", "hb", "vda");
        Assert.That(Regex.Replace(stats, @" \d+\n", " N\n"), Is.EqualTo(
            "vda rd_req N\nvda rd_bytes N\nvda wr_req N\nvda wr_bytes N\nvda flush_operations N\nvda rd_total_times N\nvda wr_total_times N\nvda flush_total_times N\n\n"));
        Assert.That(Regex.Match(stats, @"vda rd_req (\d+)").Groups[1].Value, Is.Not.EqualTo("0"), stats);
        var human = await VshRun.OkAsync(virtd, "domblkstat", "hb", "vda", "--human");
        Assert.That(human, Does.StartWith("Device: vda\n number of read operations:      ").And.Contain("\n number of bytes read:           "));

        // Running: the same figures through QEMU (query-block, query-blockstats) for images the guest has not written.
        Assert.That(await VshRun.OkAsync(virtd, "domblkinfo", "hb", "vda"),
            Is.EqualTo($"Capacity:       16777216\nAllocation:     {await AllocatedBytesAsync(disk)}\nPhysical:       {new FileInfo(disk).Length}\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domblkinfo", "hb", "vdb"), Is.EqualTo("Capacity:       8388608\nAllocation:     0\nPhysical:       8388608\n\n"));
        // domstats' block group has libvirt's figures too: the virtual size, the highest offset written, the host bytes.
        var blockStats = await VshRun.OkAsync(virtd, "domstats", "hb", "--block");
        Assert.That(blockStats, Does.Contain("  block.0.capacity=16777216\n").And.Contain($"  block.0.physical={await AllocatedBytesAsync(disk)}\n")
            .And.Contain("  block.1.allocation=0\n  block.1.capacity=8388608\n  block.1.physical=0\n"), blockStats);
        var missing = await VshRun.RunAsync(virtd, "domblkinfo", "hb", "vdz");
        Assert.That((missing.Code, missing.Err), Is.EqualTo((1, "error: invalid argument: invalid path vdz not assigned to domain\n")));

        await VshRun.OkAsync(virtd, "destroy", "hb");
    }

    private static async Task<long> AllocatedBytesAsync(string path) => long.Parse((await HostTool.RunAsync("stat", "-c", "%b", path)).Trim(), CultureInfo.InvariantCulture) * 512;
}
