using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// domblklist and domiflist name the devices that domblkstat and domifstat take, for a real guest with a qcow2 disk and
/// a user-mode NIC; domblkstat reads QEMU's counters in virsh's order and words.
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
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb", $"""
            <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
            <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>
            <interface type='user'><mac address='52:54:00:aa:bb:01'/><model type='virtio'/></interface>
            """);
        await VshRun.OkAsync(virtd, "define", file);
        var rule = new string('-', 12 + disk.Length);
        var blockList = $" Target   Source\n{rule}\n vda      {disk}\n sda      -\n\n";
        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "hb"), Is.EqualTo(blockList));
        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(virtd, uuid), 2, _boot);

        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "hb"), Is.EqualTo(blockList), "the live definition has the same disks");
        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "hb", "--details", "--inactive"),
            Is.EqualTo($" Type   Device   Target   Source\n{new string('-', 28 + disk.Length)}\n file   disk     vda      {disk}\n file   cdrom    sda      -\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domiflist", "hb"), Is.EqualTo(
            " Interface   Type   Source   Model    MAC\n---------------------------------------------------------\n -           user   -        virtio   52:54:00:aa:bb:01\n\n"));

        // The guest's kernel has probed the disk by its first heartbeat: QEMU counted reads.
        var stats = await VshRun.OkAsync(virtd, "domblkstat", "hb", "vda");
        Assert.That(Regex.Replace(stats, @" \d+\n", " N\n"), Is.EqualTo(
            "vda rd_req N\nvda rd_bytes N\nvda wr_req N\nvda wr_bytes N\nvda flush_operations N\nvda rd_total_times N\nvda wr_total_times N\nvda flush_total_times N\n\n"));
        Assert.That(Regex.Match(stats, @"vda rd_req (\d+)").Groups[1].Value, Is.Not.EqualTo("0"), stats);
        var human = await VshRun.OkAsync(virtd, "domblkstat", "hb", "vda", "--human");
        Assert.That(human, Does.StartWith("Device: vda\n number of read operations:      ").And.Contain("\n number of bytes read:           "));

        await VshRun.OkAsync(virtd, "destroy", "hb");
    }
}
