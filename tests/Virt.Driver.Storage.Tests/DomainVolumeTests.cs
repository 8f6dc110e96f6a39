using Virt.Testing;

namespace Virt.Driver.Storage.Tests;

/// <summary>A domain's <c>&lt;disk type='volume'&gt;</c> resolved by the storage driver at start, through vsh and a real virtd.</summary>
public sealed class DomainVolumeTests
{
    [Test]
    [CancelAfter(400_000)]
    public async Task A_qcow2_overlay_volume_boots_as_the_heartbeat_guests_data_disk_and_cannot_be_deleted_while_it_runs(CancellationToken ct)
    {
        var guest = await TestGuest.GetAsync(ct);
        await using var host = await StorageHost.StartAsync();
        Assert.That((await host.VshAsync("vol-create-as", "default", "base.img", "16M")).ExitCode, Is.Zero);
        var overlay = await host.VshAsync("vol-create-as", "default", "data.qcow2", "16M", "--format", "qcow2", "--backing-vol", "base.img", "--backing-vol-format", "raw");
        Assert.That(overlay.ExitCode, Is.Zero, overlay.ToString());
        var uuid = Guid.NewGuid();
        var xml = Path.Combine(host.Virtd.StateDir, "guest.xml");
        await File.WriteAllTextAsync(xml, $"""
            <domain type='qemu'>
              <name>hb</name>
              <uuid>{uuid}</uuid>
              <memory unit='MiB'>128</memory>
              <vcpu>1</vcpu>
              {guest.DirectBootOsXml()}
              <devices>
                <disk type='volume' device='disk'>
                  <source pool='default' volume='data.qcow2'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <serial type='pty'><target port='0'/></serial>
                <console type='pty'><target type='serial' port='0'/></console>
              </devices>
            </domain>
            """, ct);
        Assert.That((await host.VshAsync("define", xml)).ExitCode, Is.Zero);

        var start = await host.VshAsync("start", "hb");
        Assert.That(start.ExitCode, Is.Zero, start.ToString());
        try
        {
            var console = Path.Combine(host.Virtd.StateDir, "qemu", "log", $"{uuid}.console.log");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (!(File.Exists(console) && File.ReadAllText(console).Contains("DEVICES disks=", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ct);
            }
            var log = File.Exists(console) ? File.ReadAllText(console) : "(no console log)";
            Assert.That(log, Does.Contain("DEVICES disks=vda"), "the guest sees the volume as its virtio disk");

            var deleteInUse = await host.JsonAsync("vol-delete", "data.qcow2", "--pool", "default");
            var wipeInUse = await host.JsonAsync("vol-wipe", "data.qcow2", "--pool", "default");
            Assert.That(deleteInUse.Reason, Is.EqualTo("STORAGE_VOLUME_IN_USE"), deleteInUse.ToString());
            Assert.That(deleteInUse.Stdout, Does.Contain("domain 'hb'"));
            Assert.That(wipeInUse.Reason, Is.EqualTo("STORAGE_VOLUME_IN_USE"), wipeInUse.ToString());
            Assert.That(File.Exists(Path.Combine(host.Images, "data.qcow2")), Is.True);
        }
        finally
        {
            await host.VshAsync("destroy", "hb");
        }
        var delete = await host.VshAsync("vol-delete", "data.qcow2", "--pool", "default");
        Assert.That(delete.Stdout, Is.EqualTo("Vol data.qcow2 deleted\n\n"), "free once the domain stopped: " + delete);
    }
}
