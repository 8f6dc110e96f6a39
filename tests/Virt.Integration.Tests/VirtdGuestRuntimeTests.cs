using System.Globalization;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// The issue's "setmem (the balloon target changes) → vcpupin (affinity changes)" through a real virtd, a real vsh
/// and the heartbeat guest, checked where it takes effect: QEMU's balloon (query-balloon through dommemstat and
/// dominfo) and the kernel's affinity of QEMU's vCPU threads (/proc/PID/task/TID/status).
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Setmem_moves_the_balloon_vcpupin_and_emulatorpin_change_thread_affinity_and_send_key_reaches_the_guest(CancellationToken ct)
    {
        var lastCpu = (Environment.ProcessorCount - 1).ToString(CultureInfo.InvariantCulture);
        Assert.That(Environment.ProcessorCount, Is.GreaterThanOrEqualTo(2), "pinning is only visible with two host CPUs or more");
        await using var virtd = await VirtdProcess.StartAsync();
        var guest = await TestGuest.GetAsync(ct);
        var file = Path.Combine(virtd.StateDir, "hb.xml");
        await File.WriteAllTextAsync(file, $"""
            <domain type='qemu'>
              <name>hb</name>
              <memory unit='MiB'>256</memory>
              <vcpu>2</vcpu>
              <cputune><vcpupin vcpu='1' cpuset='0'/></cputune>
              {guest.DirectBootOsXml()}
              <features><acpi/></features>
              <devices>
                <serial type='pty'><target port='0'/></serial>
                <console type='pty'><target type='serial' port='0'/></console>
                <memballoon model='virtio'><stats period='1'/></memballoon>
              </devices>
            </domain>
            """, ct);
        await VshRun.OkAsync(virtd, "define", file);
        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        var log = VshRun.ConsoleLog(virtd, uuid);
        await VshRun.WaitForBeatAsync(log, 2, _boot);
        var pid = int.Parse(File.ReadAllLines(Path.Combine(virtd.RunDir, "qemu", uuid + ".state")).Single(l => l.StartsWith("qemu_pid=", StringComparison.Ordinal))[9..], CultureInfo.InvariantCulture);
        Assert.That(Affinity(pid, "CPU 1/TCG"), Is.EqualTo("0"), "the definition's <vcpupin> is applied at start");

        // setmem: QEMU's balloon target moves and the guest's virtio_balloon driver gives the memory back.
        Assert.That(await VshRun.OkAsync(virtd, "dommemstat", "hb"), Does.StartWith("actual 262144\n"));
        Assert.That(await VshRun.OkAsync(virtd, "setmem", "hb", "160M", "--live"), Is.EqualTo("\n"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string memstat;
        while (!(memstat = await VshRun.OkAsync(virtd, "dommemstat", "hb")).StartsWith("actual 163840\n", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, ct);
        }
        Assert.That(memstat, Does.StartWith("actual 163840\n"), "query-balloon reports the new size");
        var info = await VshRun.OkAsync(virtd, "dominfo", "hb");
        Assert.That(info, Does.Contain("Max memory:     262144 KiB\nUsed memory:    163840 KiB\n"));
        Assert.That(info, Does.Match(@"CPU time:       [1-9][0-9]*\.[0-9]s\n"), "live CPU time of the QEMU process");
        Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "hb"), Does.Contain("<currentMemory unit='KiB'>163840</currentMemory>"));
        Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "hb", "--inactive"), Does.Contain("<currentMemory unit='KiB'>262144</currentMemory>"), "--live leaves the persistent definition alone");
        var (overCode, _, overErrors) = await VshRun.RunAsync(virtd, "setmem", "hb", "300M", "--live");
        Assert.That((overCode, overErrors), Is.EqualTo((1, "error: invalid argument: cannot set memory higher than max memory\n")));

        // The guest's own statistics: <stats period='1'/> set QEMU's polling at start, so its virtio_balloon driver reports.
        Assert.That(memstat, Does.Match(@"^actual 163840\nswap_in \d+\nswap_out \d+\nmajor_fault \d+\nminor_fault [1-9]\d*\nunused [1-9]\d*\navailable [1-9]\d*\n(usable \d+\n)?last_update [1-9]\d*\n(disk_caches \d+\n)?(hugetlb_pgalloc \d+\nhugetlb_pgfail \d+\n)?rss [1-9]\d*\n$"));
        Assert.That(await PollingIntervalAsync(virtd), Is.EqualTo(1));
        Assert.That(await VshRun.OkAsync(virtd, "dommemstat", "hb", "--period", "7"), Is.EqualTo("\n"));
        Assert.That(await PollingIntervalAsync(virtd), Is.EqualTo(7), "dommemstat --period sets it live");
        Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "hb"), Does.Contain("<stats period='7'/>"));
        Assert.That(await VshRun.OkAsync(virtd, "dommemstat", "hb", "--period", "3", "--config"), Is.EqualTo("\n"));
        Assert.That(await PollingIntervalAsync(virtd), Is.EqualTo(7), "--config leaves the running QEMU alone");
        Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "hb", "--inactive"), Does.Contain("<stats period='3'/>"));
        var (periodCode, _, periodErrors) = await VshRun.RunAsync(virtd, "dommemstat", "hb", "--period", "-1");
        Assert.That((periodCode, periodErrors), Is.EqualTo((1, "error: Invalid collection period value '-1'\n")));

        // vcpupin and emulatorpin: the kernel's affinity of the threads changes.
        Assert.That(Affinity(pid, "CPU 0/TCG"), Is.EqualTo("0-" + lastCpu));
        Assert.That(await VshRun.OkAsync(virtd, "vcpupin", "hb", "0", lastCpu), Is.EqualTo("\n"));
        Assert.That(Affinity(pid, "CPU 0/TCG"), Is.EqualTo(lastCpu), "sched_setaffinity on the vCPU thread from query-cpus-fast");
        Assert.That(await VshRun.OkAsync(virtd, "vcpupin", "hb"), Is.EqualTo($" VCPU   CPU Affinity\n----------------------\n 0      {lastCpu}\n 1      0\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "emulatorpin", "hb", "0"), Is.EqualTo("\n"));
        Assert.That(Affinity(pid, null), Is.EqualTo("0"), "the main (emulator) thread");
        Assert.That(Affinity(pid, "CPU 0/TCG"), Is.EqualTo(lastCpu), "emulatorpin leaves the vCPU threads alone");
        Assert.That(await VshRun.OkAsync(virtd, "emulatorpin", "hb"), Is.EqualTo("emulator: CPU Affinity\n----------------------------------\n       *: 0\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "dumpxml", "hb"), Does.Contain($"<vcpupin vcpu='0' cpuset='{lastCpu}'/>").And.Contain("<emulatorpin cpuset='0'/>"));

        // What cannot change live is refused with a typed error; --config changes the next boot.
        var (vcpusCode, _, vcpusErrors) = await VshRun.RunAsync(virtd, "setvcpus", "hb", "1", "--live");
        Assert.That((vcpusCode, vcpusErrors), Is.EqualTo((1, "error: Operation not supported: live vCPU hotplug is not supported; change the count with --config and restart domain 'hb'\n")));
        var (maxCode, _, maxErrors) = await VshRun.RunAsync(virtd, "setmaxmem", "hb", "512M");
        Assert.That(maxCode, Is.EqualTo(1));
        Assert.That(maxErrors, Does.StartWith("error: Unable to change MaxMemorySize\nerror: Requested operation is not valid: cannot resize the maximum memory on an active domain"));
        await VshRun.OkAsync(virtd, "setvcpus", "hb", "1", "--config");
        await VshRun.OkAsync(virtd, "setmaxmem", "hb", "512M", "--config");
        var inactive = await VshRun.OkAsync(virtd, "dumpxml", "hb", "--inactive");
        Assert.That(inactive, Does.Contain("<memory unit='KiB'>524288</memory>").And.Contain("<vcpu placement='static' current='1'>2</vcpu>"));
        Assert.That(inactive, Does.Not.Contain("vcpu='0'"), "live pins stay out of the persistent definition");

        // send-key: Alt+SysRq+H makes the guest kernel print its SysRq help on the serial console.
        await VshRun.OkAsync(virtd, "send-key", "hb", "--holdtime", "500", "KEY_LEFTALT", "KEY_SYSRQ", "KEY_H");
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await File.ReadAllTextAsync(log, ct)).Contains("sysrq: HELP", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, ct);
        }
        Assert.That(await File.ReadAllTextAsync(log, ct), Does.Contain("sysrq: HELP"));

        var stats = await VshRun.OkAsync(virtd, "domstats", "hb");
        Assert.That(stats, Does.StartWith("Domain: 'hb'\n  state.state=1\n  state.reason=1\n  cpu.time="));
        Assert.That(stats, Does.Contain("  balloon.current=163840\n  balloon.maximum=262144\n").And.Contain("  vcpu.current=2\n  vcpu.maximum=2\n  vcpu.0.state=1\n"));

        await VshRun.OkAsync(virtd, "destroy", "hb");
        var (stoppedCode, _, stoppedErrors) = await VshRun.RunAsync(virtd, "setmem", "hb", "100M", "--live");
        Assert.That((stoppedCode, stoppedErrors), Is.EqualTo((1, "error: Requested operation is not valid: domain is not running\n")));
        Assert.That(await VshRun.OkAsync(virtd, "vcpupin", "hb"), Is.EqualTo($" VCPU   CPU Affinity\n----------------------\n 0      0-{lastCpu}\n 1      0\n\n"),
            "the persistent definition: vCPU 0 unpinned, vCPU 1 as defined (virsh lists up to the maximum)");

        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "nb", devices: "<memballoon model='none'/>"));
        var (noBalloonCode, _, noBalloonErrors) = await VshRun.RunAsync(virtd, "dommemstat", "nb", "--period", "5");
        Assert.That((noBalloonCode, noBalloonErrors), Is.EqualTo((1,
            "error: Unable to change balloon collection period.\nerror: Requested operation is not valid: No memory balloon device configured, can not set the collection period\n")));
    }

    /// <summary>QEMU's own guest-stats-polling-interval of the balloon device, read over QMP.</summary>
    private static async Task<int> PollingIntervalAsync(VirtdProcess virtd)
    {
        var reply = await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb",
            """{"execute":"qom-get","arguments":{"path":"/machine/peripheral/balloon0","property":"guest-stats-polling-interval"}}""");
        return System.Text.Json.Nodes.JsonNode.Parse(reply)!["return"]!.GetValue<int>();
    }

    /// <summary>Cpus_allowed_list of the QEMU thread named <paramref name="threadName"/> (null: the main thread).</summary>
    private static string Affinity(int pid, string? threadName)
    {
        var task = threadName is null
            ? $"/proc/{pid}/task/{pid}"
            : Directory.GetDirectories($"/proc/{pid}/task").Single(t => File.ReadAllText(Path.Combine(t, "comm")).Trim() == threadName);
        return File.ReadAllLines(Path.Combine(task, "status")).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))["Cpus_allowed_list:".Length..].Trim();
    }
}
