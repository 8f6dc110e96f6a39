using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// attach-device and detach-device through a real virtd on the persistent definition: the guest sees the disk and the
/// NIC at its next start (its init lists them), a live attach is refused while it runs, and a detach takes effect at
/// the start after.
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Devices_attached_to_the_persistent_definition_appear_in_the_guest_at_its_next_start_and_detached_ones_go(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "grow"));
        var image = Path.Combine(virtd.StateDir, "extra.qcow2");
        await HostTool.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", image, "16M");
        var disk = Path.Combine(virtd.StateDir, "disk.xml");
        await File.WriteAllTextAsync(disk, $"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{image}'/><target dev='vdb' bus='virtio'/></disk>", ct);
        var nic = Path.Combine(virtd.StateDir, "nic.xml");
        await File.WriteAllTextAsync(nic, "<interface type='user'><mac address='52:54:00:7a:44:01'/><model type='virtio'/></interface>", ct);

        // Shut off, the current definition is the persistent one.
        Assert.That(await VshRun.OkAsync(virtd, "attach-device", "grow", disk), Is.EqualTo("Device attached successfully\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "attach-device", "grow", nic, "--config"), Is.EqualTo("Device attached successfully\n\n"));
        var (code, _, errors) = await VshRun.RunAsync(virtd, "attach-device", "grow", disk, "--config");
        Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to attach device from {disk}\nerror: Requested operation is not valid: target vdb already exists\n")));
        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "grow"), Does.Contain($"vdb      {image}"));

        await VshRun.OkAsync(virtd, "start", "grow");
        var console = VshRun.ConsoleLog(virtd, (await VshRun.OkAsync(virtd, "domuuid", "grow")).Trim());
        // Linux names the guest's only virtio disk vda, whatever the definition's target.
        Assert.That(await DevicesLineAsync(console, 1, ct), Is.EqualTo("disks=vda nics=eth0"));

        // Running, the current definition is the live one, which this driver does not change.
        (code, _, errors) = await VshRun.RunAsync(virtd, "attach-device", "grow", nic);
        Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to attach device from {nic}\nerror: live attach of device 'interface' is not supported: this driver does not hotplug devices; "
            + "use --config to change the persistent definition for the next start\n")));
        Assert.That(await VshRun.OkAsync(virtd, "detach-device", "grow", disk, "--config"), Is.EqualTo("Device detached successfully\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "grow"), Does.Contain("vdb"), "the running guest keeps it");
        Assert.That(await VshRun.OkAsync(virtd, "domblklist", "grow", "--inactive"), Does.Not.Contain("vdb"));
        await File.WriteAllTextAsync(nic, "<interface type='user'><mac address='52:54:00:7a:44:09'/></interface>", ct);
        (code, _, errors) = await VshRun.RunAsync(virtd, "detach-device", "grow", nic, "--config");
        Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to detach device from {nic}\nerror: no device matching MAC address 52:54:00:7a:44:09 found\n")));

        await VshRun.OkAsync(virtd, "destroy", "grow");
        await VshRun.OkAsync(virtd, "start", "grow");
        Assert.That(await DevicesLineAsync(console, 2, ct), Is.EqualTo("disks= nics=eth0"));
        await VshRun.OkAsync(virtd, "destroy", "grow");
    }

    /// <summary>What the guest's init listed in its <paramref name="boot"/>-th DEVICES line (the console log keeps every boot's).</summary>
    private static async Task<string> DevicesLineAsync(string console, int boot, CancellationToken ct)
    {
        var lines = await Eventually.ReadAsync(() => Task.FromResult(File.Exists(console) ? Regex.Matches(File.ReadAllText(console), @"VIRT-GUEST DEVICES (disks=\S* nics=\S*)") : null),
            found => found is { } m && m.Count >= boot, _boot, ct);
        return lines![boot - 1].Groups[1].Value;
    }
}
