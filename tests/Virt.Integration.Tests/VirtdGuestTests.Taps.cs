using System.Diagnostics;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// Managed taps through a real virtd: a bridge interface's tap on a Linux bridge and an ethernet interface's tap of its
/// own, made by the worker in virtd's network namespace, carrying the guest's DHCP and ping, and gone with QEMU.
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task A_bridge_interface_gets_a_tap_on_the_bridge_that_carries_dhcp_and_ping_and_taps_go_with_the_guest(CancellationToken ct)
    {
        await using var namespaces = await NetworkNamespacePair.CreateAsync();
        var ns = namespaces.NamespaceA;
        await using var virtd = await VirtdProcess.StartInNamespaceAsync(ns);
        // A host bridge with an address and a DHCP server on it, as an operator's br0 on the LAN would have.
        await HostTool.RunAsync("ip", "-n", ns, "link", "add", "vbr0", "type", "bridge");
        await HostTool.RunAsync("ip", "-n", ns, "addr", "add", "192.0.2.1/24", "dev", "vbr0");
        await HostTool.RunAsync("ip", "-n", ns, "link", "set", "vbr0", "up");
        var dhcpConfig = Path.Combine(virtd.StateDir, "udhcpd.conf");
        await File.WriteAllTextAsync(dhcpConfig, $"start 192.0.2.10\nend 192.0.2.20\ninterface vbr0\nlease_file {virtd.StateDir}/udhcpd.leases\noption subnet 255.255.255.0\n", ct);
        await File.WriteAllTextAsync(Path.Combine(virtd.StateDir, "udhcpd.leases"), "", ct);
        using var dhcp = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, "busybox", "udhcpd", "-f", dhcpConfig]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            const string Nics = """
                <interface type='bridge'><mac address='52:54:00:7a:22:01'/><source bridge='vbr0'/><model type='virtio'/></interface>
                <interface type='ethernet'><mac address='52:54:00:7a:22:02'/><mtu size='1400'/><model type='virtio'/></interface>
                """;
            await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "bridged", Nics, kernelFlags: "virt.dhcp=1"));
            Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "bridged"), Does.Not.Contain("<target dev="), "the names are the run's");
            await VshRun.OkAsync(virtd, "start", "bridged");

            // The live definition names the taps; the host has them, up, with libvirt's fe: MACs, the first on the bridge.
            var live = await VshRun.OkAsync(virtd, "dumpxml", "bridged");
            Assert.That(Regex.Matches(live, "<target dev='([^']+)'/>").Select(m => m.Groups[1].Value), Is.EqualTo(new[] { "vnet0", "vnet1" }), live);
            var bridged = await HostTool.RunAsync("ip", "-n", ns, "-o", "link", "show", "vnet0");
            Assert.That(bridged, Does.Contain("master vbr0").And.Contain(",UP").And.Contain("link/ether fe:54:00:7a:22:01"), bridged);
            var own = await HostTool.RunAsync("ip", "-n", ns, "-o", "link", "show", "vnet1");
            Assert.That(own, Does.Not.Contain("master").And.Contain(",UP").And.Contain("mtu 1400").And.Contain("link/ether fe:54:00:7a:22:02"), own);
            Assert.That(await HostTool.RunAsync("ip", "-n", ns, "-d", "-o", "link", "show", "vnet0"), Does.Contain("tun type tap"));

            // Both ways across the bridge: the guest's DHCP gets a lease from the host's server, and the host pings the guest.
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "bridged")).Trim();
            var console = VshRun.ConsoleLog(virtd, uuid);
            var lease = await Eventually.ReadAsync(() => Task.FromResult(File.Exists(console) ? File.ReadAllText(console) : ""),
                text => text.Contains("VIRT-GUEST IP 192.0.2.", StringComparison.Ordinal), _boot + TimeSpan.FromSeconds(60), ct);
            var address = Regex.Match(lease, @"VIRT-GUEST IP (192\.0\.2\.\d+)").Groups[1].Value;
            await HostTool.RunAsync("ip", "netns", "exec", ns, "busybox", "ping", "-c", "1", "-W", "10", address);
            Assert.That(await VshRun.OkAsync(virtd, "domifaddr", "bridged", "--source", "arp"), Does.Contain("vnet0").And.Contain(address + "/0"));
            Assert.That(await VshRun.OkAsync(virtd, "domifstat", "bridged", "vnet0"), Does.Match(@"vnet0 rx_packets [1-9]"));

            // The taps go with QEMU; the next run gets new names, as libvirt's counter hands them out.
            await VshRun.OkAsync(virtd, "destroy", "bridged");
            await Eventually.ReadAsync(() => HostTool.RunAsync("ip", "-n", ns, "-o", "link", "show"),
                links => !links.Contains("vnet", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);
            Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "bridged"), Does.Not.Contain("<target dev="), "the persistent definition never had them");
            await VshRun.OkAsync(virtd, "start", "bridged");
            Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "bridged", "--inactive"), Does.Not.Contain("<target dev="));
            Assert.That(Regex.Matches(await VshRun.OkAsync(virtd, "dumpxml", "bridged"), "<target dev='([^']+)'/>").Select(m => m.Groups[1].Value), Is.EqualTo(new[] { "vnet2", "vnet3" }));
            Assert.That(await HostTool.RunAsync("ip", "-n", ns, "-o", "link", "show", "vnet2"), Does.Contain("master vbr0"));
            await VshRun.OkAsync(virtd, "destroy", "bridged");

            // A bridge that is not there: a typed refusal before anything starts, and no tap is left.
            await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "nobridge",
                "<interface type='bridge'><source bridge='vbr9'/><model type='virtio'/></interface>"));
            var (code, _, errors) = await VshRun.RunAsync(virtd, "start", "nobridge");
            Assert.That((code, errors), Is.EqualTo((1, "error: Failed to start domain 'nobridge'\nerror: Cannot start domain 'nobridge': the bridge 'vbr9' does not exist "
                + "(/domain/devices/interface[1]/source/@bridge); create it first (ip link add vbr9 type bridge).\n")));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "nobridge"), Is.EqualTo("shut off\n\n"));
        }
        finally
        {
            dhcp.Kill();
            await dhcp.WaitForExitAsync(CancellationToken.None);
        }
    }
}
