using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// screenshot, domifaddr and the socket-path limit through a real virtd, a real vsh and the heartbeat guest.
/// </summary>
public sealed partial class VirtdGuestTests
{
    private const string GuestMac = "52:54:00:7a:11:01";

    [Test]
    [CancelAfter(300_000)]
    public async Task Screenshot_streams_a_png_of_the_guests_display_into_the_file(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "shot", "<video><model type='vga'/></video>");
        await VshRun.OkAsync(virtd, "define", file);
        var (stoppedCode, _, stoppedErrors) = await VshRun.RunAsync(virtd, "screenshot", "shot", "--file", Path.Combine(virtd.StateDir, "x.png"));
        Assert.That((stoppedCode, stoppedErrors), Is.EqualTo((1, "error: could not take a screenshot of shot\nerror: Requested operation is not valid: domain is not running\n")));
        Assert.That(File.Exists(Path.Combine(virtd.StateDir, "x.png")), Is.False, "nothing is created when there is nothing to save");

        await VshRun.OkAsync(virtd, "start", "shot");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "shot")).Trim();
        await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(virtd, uuid), 1, _boot);
        var image = Path.Combine(virtd.StateDir, "screen.png");
        Assert.That(await VshRun.OkAsync(virtd, "screenshot", "shot", "--file", image), Is.EqualTo($"Screenshot saved to {image}, with type of image/png\n"));

        // A PNG: the signature, then the IHDR chunk with the width and height of the VGA console.
        var bytes = await File.ReadAllBytesAsync(image, ct);
        Assert.That(bytes[..8], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a }));
        Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 12, 4), Is.EqualTo("IHDR"));
        var (width, height) = (BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20)));
        Assert.That(width, Is.GreaterThan(0u));
        Assert.That(height, Is.GreaterThan(0u));

        // Without --file: virsh's generated name, DOMAIN-DATE-TIME.png, in the current directory.
        var (code, output, errors) = await RunInAsync(virtd, virtd.StateDir, "screenshot", "shot");
        Assert.That((code, errors), Is.EqualTo((0, "")));
        Assert.That(output, Does.Match(@"^Screenshot saved to shot-\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d\.png, with type of image/png\n$"));
        var generated = output["Screenshot saved to ".Length..output.IndexOf(',', StringComparison.Ordinal)];
        Assert.That(new FileInfo(Path.Combine(virtd.StateDir, generated)).Length, Is.EqualTo(bytes.Length).Within(bytes.Length / 2));

        var (headCode, _, headErrors) = await VshRun.RunAsync(virtd, "screenshot", "shot", "--screen", "3", "--file", Path.Combine(virtd.StateDir, "head3.png"));
        Assert.That((headCode, headErrors), Is.EqualTo((1, "error: could not take a screenshot of shot\nerror: invalid argument: no such screen ID: 3\n")));
        Assert.That(File.Exists(Path.Combine(virtd.StateDir, "head3.png")), Is.False, "a file the command created is removed when it fails");
        await VshRun.OkAsync(virtd, "destroy", "shot");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Domifaddr_reads_the_arp_table_of_virtds_namespace_and_the_leases_and_refuses_the_agent_source(CancellationToken ct)
    {
        // virtd in its own network namespace, whose ARP table gets a complete entry for the guest's MAC.
        await using var namespaces = await NetworkNamespacePair.CreateAsync();
        await using var virtd = await VirtdProcess.StartInNamespaceAsync(namespaces.NamespaceA);
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "addr", $"<interface type='user'><mac address='{GuestMac}'/><model type='virtio'/></interface>");
        await VshRun.OkAsync(virtd, "define", file);
        var (inactiveCode, _, inactiveErrors) = await VshRun.RunAsync(virtd, "domifaddr", "addr");
        Assert.That((inactiveCode, inactiveErrors), Is.EqualTo((1, "error: Failed to query for interfaces addresses\nerror: Requested operation is not valid: domain is not running\n")));
        await VshRun.OkAsync(virtd, "start", "addr");

        const string Header = " Name       MAC address          Protocol     Address\n-------------------------------------------------------------------------------\n";
        Assert.That(await VshRun.OkAsync(virtd, "domifaddr", "addr", "--source", "arp"), Is.EqualTo(Header + "\n"), "nothing in the table has the guest's MAC yet");
        var device = (await HostTool.RunAsync("ip", "-n", namespaces.NamespaceA, "-o", "link", "show", "type", "veth")).Split(':')[1].Trim().Split('@')[0];
        await HostTool.RunAsync("ip", "-n", namespaces.NamespaceA, "neigh", "add", namespaces.AddressB, "lladdr", GuestMac, "dev", device, "nud", "permanent");
        Assert.That(await VshRun.OkAsync(virtd, "domifaddr", "addr", "--source", "arp"),
            Is.EqualTo(Header + $" -          {GuestMac}    ipv4         {namespaces.AddressB}/0\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domifaddr", "addr", "--source", "arp", "--interface", "vnet9"), Is.EqualTo(Header + "\n"));

        // The lease source asks the networks of <interface type='network'>; a user-mode NIC is on none.
        Assert.That(await VshRun.OkAsync(virtd, "domifaddr", "addr"), Is.EqualTo(Header + "\n"));
        var (agentCode, _, agentErrors) = await VshRun.RunAsync(virtd, "domifaddr", "addr", "--source", "agent");
        Assert.That((agentCode, agentErrors), Is.EqualTo((1,
            "error: Failed to query for interfaces addresses\nerror: Operation not supported: domain 'addr' has no QEMU guest agent to ask; use --source lease or --source arp\n")));
        var (badCode, _, badErrors) = await VshRun.RunAsync(virtd, "domifaddr", "addr", "--source", "dhcp");
        Assert.That((badCode, badErrors), Is.EqualTo((1, "error: Unknown data source 'dhcp'\n")));
        await VshRun.OkAsync(virtd, "destroy", "addr");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task An_unmanaged_tap_carries_the_guests_traffic_which_domifstat_and_domstats_count_and_a_missing_one_is_refused(CancellationToken ct)
    {
        // virtd in its own network namespace, with a tap made there beforehand, as libvirt's <target managed='no'/> wants.
        await using var namespaces = await NetworkNamespacePair.CreateAsync();
        await using var virtd = await VirtdProcess.StartInNamespaceAsync(namespaces.NamespaceA);
        await HostTool.RunAsync("ip", "-n", namespaces.NamespaceA, "tuntap", "add", "dev", "vt0", "mode", "tap");
        await HostTool.RunAsync("ip", "-n", namespaces.NamespaceA, "link", "set", "vt0", "up");
        const string Nic = "<interface type='ethernet'><mac address='52:54:00:7a:11:02'/><target dev='{0}' managed='no'/><model type='virtio'/></interface>";
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "tap", string.Format(System.Globalization.CultureInfo.InvariantCulture, Nic, "vt0"), kernelFlags: "virt.dhcp=1"));
        Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "tap"), Does.Contain("<target dev='vt0' managed='no'/>"));
        await VshRun.OkAsync(virtd, "start", "tap");
        await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(virtd, (await VshRun.OkAsync(virtd, "domuuid", "tap")).Trim()), 1, _boot);

        // The guest's DHCP requests leave through the tap: what the host receives is what the guest sent (tx).
        var stats = await Eventually.ReadAsync(() => VshRun.OkAsync(virtd, "domifstat", "tap", "vt0"),
            s => Regex.Match(s, @"vt0 tx_packets (\d+)") is { Success: true } m && m.Groups[1].Value != "0", TimeSpan.FromSeconds(60), ct);
        Assert.That(Regex.Replace(stats, @" \d+\n", " N\n"), Is.EqualTo(
            "vt0 rx_bytes N\nvt0 rx_packets N\nvt0 rx_errs N\nvt0 rx_drop N\nvt0 tx_bytes N\nvt0 tx_packets N\nvt0 tx_errs N\nvt0 tx_drop N\n\n"));
        Assert.That(Regex.Match(stats, @"vt0 tx_packets (\d+)").Groups[1].Value, Is.Not.EqualTo("0"), stats);
        Assert.That(await VshRun.OkAsync(virtd, "domifstat", "tap", "52:54:00:7a:11:02"), Does.StartWith("52:54:00:7a:11:02 rx_bytes "), "by MAC too");
        Assert.That(await VshRun.OkAsync(virtd, "domstats", "tap", "--interface"), Does.StartWith("Domain: 'tap'\n  net.count=1\n  net.0.name=vt0\n  net.0.rx.bytes="));
        await VshRun.OkAsync(virtd, "destroy", "tap");
        Assert.That(await HostTool.RunAsync("ip", "-n", namespaces.NamespaceA, "-o", "link", "show", "vt0"), Does.Contain("vt0"), "an unmanaged tap outlives the guest");

        // A tap that is not there: a typed refusal before anything is started.
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "notap", string.Format(System.Globalization.CultureInfo.InvariantCulture, Nic, "vt9")));
        var (code, _, errors) = await VshRun.RunAsync(virtd, "start", "notap");
        Assert.That((code, errors), Is.EqualTo((1, "error: Failed to start domain 'notap'\nerror: Cannot start domain 'notap': the tap device 'vt9' does not exist "
            + "(/domain/devices/interface[1]/target, managed='no'); create it first (ip tuntap add dev vt9 mode tap).\n")));
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "notap"), Is.EqualTo("shut off\n\n"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_run_directory_too_long_for_the_guests_sockets_is_a_typed_refusal_naming_the_path_and_the_limit(CancellationToken ct)
    {
        // virtd's own sockets (RUN/virtd.sock) fit; RUN/qemu/UUID.vmm.sock, the worker's control socket, does not.
        var state = Directory.CreateTempSubdirectory("virt-long-").FullName;
        var longState = Path.Combine(state, new string('s', 69 - state.Length));
        Directory.CreateDirectory(longState);
        try
        {
            await using var virtd = await VirtdProcess.StartAsync(longState);
            var file = await VshRun.GuestXmlFileAsync(longState, "long");
            await VshRun.OkAsync(virtd, "define", file);
            var (code, _, errors) = await VshRun.RunAsync(virtd, "start", "long");
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.StartWith($"error: Failed to start domain 'long'\nerror: Cannot start domain 'long': the socket path '{Path.Combine(virtd.RunDir, "qemu")}/"));
            Assert.That(errors, Does.Contain(".vmm.sock' is 125 bytes, over the limit of 107 bytes for a Unix socket path (sun_path)"));
            Assert.That(errors, Does.Contain("use a run directory of at most 56 bytes"));
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "long"), Is.EqualTo("shut off\n\n"));
            Assert.That(Directory.Exists(Path.Combine(virtd.RunDir, "qemu")) ? Directory.GetFileSystemEntries(Path.Combine(virtd.RunDir, "qemu")) : [], Is.Empty, "nothing was started or written");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_run_directory_that_fits_only_the_control_socket_runs_the_guest_since_qmp_and_the_console_are_socket_pairs(CancellationToken ct)
    {
        // RUN/qemu/UUID.vmm.sock is exactly 107 bytes; UUID.console.sock would be 111, but it is never created (the
        // worker hands QEMU a socket pair for the console, as for QMP), so the start goes through.
        var state = Directory.CreateTempSubdirectory("virt-fits-").FullName;
        var fitting = Path.Combine(state, new string('s', 107 - "/run/qemu/".Length - 36 - ".vmm.sock".Length - state.Length - 1));
        Directory.CreateDirectory(fitting);
        try
        {
            await using var virtd = await VirtdProcess.StartAsync(fitting);
            var file = await VshRun.GuestXmlFileAsync(fitting, "fits");
            await VshRun.OkAsync(virtd, "define", file);
            await VshRun.OkAsync(virtd, "start", "fits");
            var control = Directory.GetFiles(Path.Combine(virtd.RunDir, "qemu"), "*.vmm.sock").Single();
            Assert.That(Encoding.UTF8.GetByteCount(control), Is.EqualTo(107));
            Assert.That(Directory.GetFiles(Path.Combine(virtd.RunDir, "qemu"), "*.console.sock"), Is.Empty);
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "fits"), Is.EqualTo("running\n\n"));
            await VshRun.OkAsync(virtd, "destroy", "fits");
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "fits"), Is.EqualTo("shut off\n\n"));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Another_process_s_exclusive_flock_on_the_worker_s_log_does_not_stop_the_guest(CancellationToken ct)
    {
        // The worker opened its log and /dev/null with .NET's default sharing, which takes a shared flock: a vsh
        // download into /dev/null (FileShare.None, an exclusive flock) running meanwhile made a start fail (CI, stop 19).
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "locked"));
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "locked")).Trim();
        var logDirectory = Path.Combine(virtd.StateDir, "qemu", "log");
        Directory.CreateDirectory(logDirectory);
        await using (await ExclusiveFlock.AcquireAsync(Path.Combine(logDirectory, uuid + ".log"), ct))
        {
            await VshRun.OkAsync(virtd, "start", "locked");
            Assert.That(await VshRun.OkAsync(virtd, "domstate", "locked"), Is.EqualTo("running\n\n"));
        }
        Assert.That(await File.ReadAllTextAsync(Path.Combine(logDirectory, uuid + ".log"), ct), Does.Contain("for domain locked"), "the worker logs into the locked file");
        await VshRun.OkAsync(virtd, "destroy", "locked");
    }

    private static async Task<(int Code, string Out, string Err)> RunInAsync(VirtdProcess virtd, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(VshRun.Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var argument in (string[])["-c", virtd.AdminUri, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await errors);
    }
}
