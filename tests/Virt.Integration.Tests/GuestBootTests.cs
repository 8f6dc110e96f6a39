using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Virt.Qemu.Qmp;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// Boots the real test guest (tools/guest) under QEMU with the devices later tests rely on, and checks the
/// console contract that they read: READY with the virtio modules, a counting heartbeat, ACPI power-off
/// and DHCP.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class GuestBootTests
{
    // TCG on two loaded cores: about 6 s to the first heartbeat when idle, so leave ample headroom.
    private static readonly TimeSpan _bootTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan _powerOffTimeout = TimeSpan.FromSeconds(20);

    private static readonly string[] _virtioModules = ["virtio_pci", "virtio_blk", "virtio_net", "virtio_balloon", "virtio_rng"];

    private string _workDir = "";

    [SetUp]
    public void CreateWorkDir()
    {
        // Short path: a unix socket path must fit in 108 bytes.
        _workDir = Directory.CreateTempSubdirectory("virt-guest-").FullName;
    }

    [TearDown]
    public void RemoveWorkDir()
    {
        Directory.Delete(_workDir, recursive: true);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Guest_loads_the_virtio_modules_and_counts_heartbeats(CancellationToken cancellationToken)
    {
        await using var qemu = await StartGuestAsync("q35", "", cancellationToken);

        var ready = await qemu.Console.WaitForTextAsync("VIRT-GUEST READY ", _bootTimeout, cancellationToken);
        var devices = await qemu.Console.WaitForTextAsync("VIRT-GUEST DEVICES ", _bootTimeout, cancellationToken);
        var loaded = ModuleField(ready.Text, "modules").Concat(ModuleField(ready.Text, "builtin")).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(loaded, Is.SupersetOf(_virtioModules), ready.Text);
            Assert.That(qemu.Console.Snapshot(), Has.None.StartsWith("VIRT-GUEST MODULE-FAILED"));
            Assert.That(devices.Text, Does.Contain("disks=vda"), "the virtio-blk disk is visible");
            Assert.That(devices.Text, Does.Contain("nics=eth0"), "the virtio-net NIC is visible");
        });

        var first = await qemu.Console.WaitForTextAsync("HEARTBEAT ", _bootTimeout, cancellationToken);
        Assert.That(first.Index, Is.GreaterThan(ready.Index), "heartbeats start after READY");
        await qemu.Console.WaitForLineAsync(line => line == "HEARTBEAT 5", TimeSpan.FromSeconds(30), cancellationToken, first.Index);
        var counts = qemu.Console.Snapshot()
            .Skip(first.Index)
            .Select(line => HeartbeatPattern().Match(line))
            .Where(match => match.Success)
            .Select(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
            .Take(6)
            .ToList();
        Assert.That(counts, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }), "the counter starts at 0 and steps by one");
    }

    [TestCase("q35")]
    [TestCase("pc")]
    [CancelAfter(300_000)]
    public async Task Acpi_power_button_powers_the_guest_off(string machine, CancellationToken cancellationToken)
    {
        await using var qemu = await StartGuestAsync(machine, "", cancellationToken);
        await using var qmp = new QmpMonitor(await QmpConnection.ConnectWhenReadyAsync(QmpSocket, TimeSpan.FromSeconds(30), () => qemu.HasExited, cancellationToken));
        var powerdownRequested = false;
        qmp.PowerdownRequested += (_, _) => powerdownRequested = true;
        await qemu.Console.WaitForTextAsync("VIRT-GUEST READY ", _bootTimeout, cancellationToken);
        var first = await qemu.Console.WaitForTextAsync("HEARTBEAT ", _bootTimeout, cancellationToken);
        Assert.That(qemu.HasExited, Is.False, "the guest keeps running until asked to stop");

        var pressed = Stopwatch.StartNew();
        await qmp.PowerdownAsync(cancellationToken);
        var exitCode = await qemu.WaitForExitAsync(_powerOffTimeout, cancellationToken);
        TestContext.Out.WriteLine($"{machine}: QEMU exited {pressed.ElapsedMilliseconds} ms after system_powerdown");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, qemu.Stderr.Tail());
            Assert.That(qemu.Console.Snapshot().Skip(first.Index), Has.Some.EqualTo("VIRT-GUEST POWEROFF acpi"),
                "the guest itself handled the button (not QEMU giving up)");
            Assert.That(powerdownRequested, Is.True, "QEMU reported the POWERDOWN event");
        });
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Dhcp_flag_configures_eth0_from_user_networking(CancellationToken cancellationToken)
    {
        await using var qemu = await StartGuestAsync("q35", "virt.dhcp=1", cancellationToken);

        var ip = await qemu.Console.WaitForLineAsync(line => line.StartsWith("VIRT-GUEST IP", StringComparison.Ordinal), _bootTimeout, cancellationToken);

        // QEMU's user network hands out 10.0.2.15 to its first client.
        Assert.That(ip.Text, Is.EqualTo("VIRT-GUEST IP 10.0.2.15"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Build_script_is_cached_and_prints_only_the_guest_directory(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);

        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Tools, "guest", "build"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var elapsed = Stopwatch.StartNew();
        using var build = Process.Start(psi)!;
        var stdout = build.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = build.StandardError.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken);
        elapsed.Stop();

        Assert.Multiple(async () =>
        {
            Assert.That(build.ExitCode, Is.Zero, await stderr);
            Assert.That(await stdout, Is.EqualTo(guest.Directory + "\n"), "stdout holds the directory and nothing else");
            Assert.That(await stderr, Is.Empty, "a cached run is silent");
            // The budget is 1 s; the margin absorbs a machine loaded by parallel builds.
            Assert.That(elapsed.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "a cached run does no work");
        });
    }

    private string QmpSocket => Path.Combine(_workDir, "qmp.sock");

    private async Task<QemuProcess> StartGuestAsync(string machine, string cmdlineFlags, CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var accelerator = await QemuAccelerator.GetAsync(cancellationToken);
        var disk = Path.Combine(_workDir, "disk.img");
        await RunAsync("qemu-img", ["create", "-q", "-f", "raw", disk, "16M"], cancellationToken);

        string[] argv =
        [
            "-accel", accelerator,
            "-machine", machine,
            "-m", "256",
            "-display", "none",
            "-serial", "stdio",
            "-no-reboot",
            "-kernel", guest.KernelPath,
            "-initrd", guest.InitrdPath,
            "-append", $"{TestGuest.BaseCmdline} {cmdlineFlags}".TrimEnd(),
            "-drive", $"file={disk},format=raw,if=none,id=disk0",
            "-device", "virtio-blk-pci,drive=disk0",
            "-netdev", "user,id=net0",
            "-device", "virtio-net-pci,netdev=net0",
            "-device", "virtio-balloon-pci",
            "-device", "virtio-rng-pci",
            "-qmp", $"unix:{QmpSocket},server=on,wait=off",
        ];
        return QemuProcess.Start(argv);
    }

    private static async Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {await stderr}");
        }
    }

    private static string[] ModuleField(string readyLine, string field)
    {
        var match = Regex.Match(readyLine, $@"\b{field}=(\S*)", RegexOptions.CultureInvariant);
        return match.Success ? match.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
    }

    [GeneratedRegex(@"^HEARTBEAT (\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex HeartbeatPattern();
}
