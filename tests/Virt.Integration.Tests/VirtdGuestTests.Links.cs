using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// A NIC's link state through a real virtd and QEMU: &lt;link state='down'/&gt; holds from the start, domif-setlink
/// brings it up in the running guest through update-device, and the guest's DHCP shows both.
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task A_link_defined_down_carries_nothing_until_domif_setlink_brings_it_up_in_the_running_guest(CancellationToken ct)
    {
        const string Mac = "52:54:00:7a:33:01";
        await using var virtd = await VirtdProcess.StartAsync();
        var nic = $"<interface type='user'><mac address='{Mac}'/><model type='virtio'/><link state='down'/></interface>";
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "linked", nic, kernelFlags: "virt.dhcp=1"));
        await VshRun.OkAsync(virtd, "start", "linked");
        var console = VshRun.ConsoleLog(virtd, (await VshRun.OkAsync(virtd, "domuuid", "linked")).Trim());

        // The guest's DHCP client asks once a second from before its first heartbeat; QEMU's user network answers at
        // once, so 4 s of heartbeats without a lease show the link down.
        var first = await VshRun.WaitForBeatAsync(console, -1, _boot);
        await VshRun.WaitForBeatAsync(console, first + 20, TimeSpan.FromSeconds(60));
        Assert.That(File.ReadAllText(console), Does.Not.Contain("VIRT-GUEST IP"));
        Assert.That(await VshRun.OkAsync(virtd, "domif-getlink", "linked", Mac), Is.EqualTo($"{Mac} down\n"));

        Assert.That(await VshRun.OkAsync(virtd, "domif-setlink", "linked", Mac, "up"), Is.EqualTo("Device updated successfully\n\n"));
        await Eventually.ReadAsync(() => Task.FromResult(File.ReadAllText(console)), text => text.Contains("VIRT-GUEST IP 10.0.2.15", StringComparison.Ordinal), TimeSpan.FromSeconds(60), ct);
        Assert.That(await VshRun.OkAsync(virtd, "domif-getlink", "linked", Mac), Is.EqualTo($"{Mac} up\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domif-getlink", "linked", Mac, "--config"), Is.EqualTo($"{Mac} down\n"), "live only");
        Assert.That(await VshRun.OkAsync(virtd, "domif-setlink", "linked", Mac, "up", "--config"), Is.EqualTo("Device updated successfully\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "linked", "--inactive"), Does.Contain("<link state='up'/>"));

        // Anything but the link state is not changed in place: refused, naming the interface, with nothing changed.
        var changed = Path.Combine(virtd.StateDir, "changed.xml");
        await File.WriteAllTextAsync(changed, $"<interface type='user'><mac address='{Mac}'/><model type='e1000'/></interface>", ct);
        var (code, _, errors) = await VshRun.RunAsync(virtd, "update-device", "linked", changed);
        Assert.That((code, errors), Is.EqualTo((1, $"error: Failed to update device from {changed}\nerror: Cannot update interface {Mac} of domain 'linked': only its link "
            + "state (<link state='up|down'/>) can be changed in place, and this element changes more; edit the definition and restart the guest for the rest.\n")));
        Assert.That(await VshRun.OkAsync(virtd, "domiflist", "linked"), Does.Contain("virtio"));
        await VshRun.OkAsync(virtd, "destroy", "linked");
    }
}
