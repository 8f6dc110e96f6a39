using System.Diagnostics;
using Virt.Qemu.Qmp;

namespace Virt.Qemu.Tests;

/// <summary>The monitor against a real QEMU (TCG), started paused with a disk and a NIC.</summary>
public sealed class QmpMonitorRealQemuTests
{
    [Test]
    public async Task Queries_devices_controls_the_run_state_and_sees_shutdown()
    {
        var directory = Directory.CreateTempSubdirectory("virt-qmp-").FullName;
        var disk = Path.Combine(directory, "disk.raw");
        var socket = Path.Combine(directory, "qmp.sock");
        await using (var file = File.Create(disk))
        {
            file.SetLength(1024 * 1024);
        }
        var start = new ProcessStartInfo("qemu-system-x86_64") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in (string[])[
            "-S", "-no-user-config", "-nodefaults", "-display", "none", "-machine", "q35,accel=tcg", "-m", "64",
            "-qmp", $"unix:{socket},server=on,wait=off",
            "-blockdev", $"driver=file,filename={disk},node-name=disk0-file",
            "-blockdev", "driver=raw,file=disk0-file,node-name=disk0",
            "-device", "virtio-blk-pci,drive=disk0,id=virtio-disk0",
            "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,id=net0dev,mac=52:54:00:12:34:56"])
        {
            start.ArgumentList.Add(arg);
        }
        using var qemu = Process.Start(start)!;
        try
        {
            await using var monitor = new QmpMonitor(await QmpConnection.ConnectWhenReadyAsync(socket, TimeSpan.FromSeconds(10), () => qemu.HasExited, CancellationToken.None));
            var stopped = new TaskCompletionSource();
            var shutdown = new TaskCompletionSource<QmpShutdownEvent>();
            monitor.Stopped += (_, _) => stopped.TrySetResult();
            monitor.Shutdown += (_, e) => shutdown.TrySetResult(e);

            var blocks = await monitor.QueryBlockAsync(CancellationToken.None);
            var pci = await monitor.QueryPciAsync(CancellationToken.None);
            var initial = await monitor.QueryStatusAsync(CancellationToken.None);
            await monitor.ContinueAsync(CancellationToken.None);
            var running = await monitor.QueryStatusAsync(CancellationToken.None);
            await monitor.StopAsync(CancellationToken.None);
            await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await monitor.QuitAsync(CancellationToken.None);
            var exit = await shutdown.Task.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.That(blocks.Select(b => b.QdevId), Has.Some.Contains("virtio-disk0"));
            Assert.That(pci.Select(p => p.QdevId), Is.SupersetOf(new[] { "virtio-disk0", "net0dev" }));
            Assert.That(initial, Is.EqualTo((false, "prelaunch")));
            Assert.That(running, Is.EqualTo((true, "running")));
            Assert.That(exit.Reason, Is.EqualTo("host-qmp-quit"));
            await qemu.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            if (!qemu.HasExited)
            {
                qemu.Kill();
            }
            await qemu.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
