using System.Text.RegularExpressions;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// qemu-monitor-command against a real QEMU through vsh and virtd: QMP objects and virsh's wrapped words, the reply
/// printed raw, pretty or as its return value, QEMU's refusal as an answer, HMP text, a command that changes the
/// guest's state followed by Virt, and the taint in the domain's log; qemu-monitor-event printing QEMU's events;
/// domcontrol before, while a monitor call waits (occupied) and after, and destroy --remove-logs taking the logs with
/// it.
/// </summary>
public sealed partial class VirtdGuestTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Qemu_monitor_command_reaches_the_guests_qemu_as_in_virsh_and_taints_the_domain(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
        var off = await VshRun.RunAsync(virtd, "qemu-monitor-command", "hb", "query-status");
        Assert.That((off.Code, off.Err), Is.EqualTo((1, "error: Requested operation is not valid: domain is not running\n")));
        await VshRun.OkAsync(virtd, "start", "hb");
        var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
        Assert.That(await VshRun.OkAsync(virtd, "domcontrol", "hb"), Is.EqualTo("ok\n\n"));

        Assert.That(await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb", """{"execute":"query-name"}"""), Is.EqualTo("""{"return":{"name":"hb"}}""" + "\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb", """{"execute": "query-name", "id": "n1"}""", "--pretty"),
            Is.EqualTo("{\n  \"return\": {\n    \"name\": \"hb\"\n  },\n  \"id\": \"n1\"\n}\n"), "pretty, with the command's id; only the shell's newline after it");
        // virsh's wrapping: the first word is the command, the others its arguments' members.
        Assert.That(await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb", "qom-get", "\"path\":\"/machine\"", "\"property\":\"type\"", "--return-value"),
            Does.Match("^\"pc-.*machine\"\n$"));
        Assert.That(await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb", "bogus-command"),
            Is.EqualTo("""{"error":{"class":"CommandNotFound","desc":"The command bogus-command has not been found"}}""" + "\n\n"), "QEMU's refusal is an answer");
        var noReturn = await VshRun.RunAsync(virtd, "qemu-monitor-command", "hb", "bogus-command", "--return-value");
        Assert.That((noReturn.Code, noReturn.Err), Is.EqualTo((1, "error: 'return' member missing\n")));
        Assert.That(await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb", "--hmp", "info", "status"), Is.EqualTo("VM status: running\r\n\n\n"));
        var bad = await VshRun.RunAsync(virtd, "qemu-monitor-command", "hb", """{"execute": 7}""");
        Assert.That((bad.Code, bad.Err), Is.EqualTo((1, "error: QMP input lacks member 'execute': name the command as a string.\n")));

        // A command behind Virt's back: QEMU's STOP event still reaches the worker, so the state follows, with
        // libvirt's reason for a pause it did not ask for.
        await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb", "stop");
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("paused (unknown)\n\n"));
        await VshRun.OkAsync(virtd, "resume", "hb");
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb"), Is.EqualTo("running\n\n"));

        var qemuLog = Path.Combine(virtd.StateDir, "qemu", "log", uuid + ".log");
        var log = await File.ReadAllTextAsync(qemuLog, ct);
        Assert.That(Regex.Matches(log, @"\+0000: Domain id=\d+ is tainted: custom-monitor\n"), Has.Count.EqualTo(1), log);
        await virtd.Log.WaitForLineAsync(l => l.Contains("name='hb'", StringComparison.Ordinal) && l.Contains("is tainted: custom-monitor", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);

        // qemu-monitor-event: QEMU's own events with its timestamps, filtered by name (a regex, without case) or shown
        // pretty, until the first or (--loop) until Ctrl-C.
        using (var loop = await MonitorWatcher.StartAsync(virtd, "qemu-monitor-event", "hb", "--loop", "--regex", "--event", "^(stop|resume)$", "--no-case", "--timeout", "120"))
        using (var reset = await MonitorWatcher.StartAsync(virtd, "qemu-monitor-event", "--event", "RESET", "--pretty", "--timeout", "120"))
        {
            await VshRun.OkAsync(virtd, "suspend", "hb");
            await VshRun.OkAsync(virtd, "resume", "hb");
            await VshRun.OkAsync(virtd, "reset", "hb");
            var (resetCode, resetOut) = await reset.FinishAsync(ct);
            Assert.That(resetCode, Is.Zero, resetOut);
            Assert.That(resetOut, Does.Match(@"^event RESET at \d+\.\d{6} for domain 'hb': \{\n  ""guest"": false,\n  ""reason"": ""host-qmp-system-reset""\n\}\nevents received: 1\n\n$"));
            await loop.WaitForLinesAsync(2, ct);
            loop.Interrupt();
            var (loopCode, loopOut) = await loop.FinishAsync(ct);
            Assert.That(loopCode, Is.Zero, loopOut);
            Assert.That(loopOut, Does.Match(@"^event STOP at (\d+)\.\d{6} for domain 'hb': <null>\nevent RESUME at \d+\.\d{6} for domain 'hb': <null>\nevent loop interrupted\nevents received: 2\n\n$"));
            var seconds = long.Parse(Regex.Match(loopOut, @"at (\d+)\.").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(seconds, Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(120), "QEMU's timestamp");
        }

        // domcontrol while a monitor call waits for QEMU (stopped with SIGSTOP): occupied, and for how long.
        var qemuPid = int.Parse(File.ReadAllLines(Path.Combine(virtd.RunDir, "qemu", uuid + ".state")).Single(l => l.StartsWith("qemu_pid=", StringComparison.Ordinal))[9..], System.Globalization.CultureInfo.InvariantCulture);
        await VshRun.OkAsync(virtd, "qemu-monitor-command", "hb", "query-status");
        VshRun.Signal("STOP", qemuPid);
        Task<(int Code, string Out, string Err)> waiting;
        string occupied;
        try
        {
            waiting = VshRun.RunAsync(virtd, "qemu-monitor-command", "hb", "query-name");
            occupied = await Eventually.ReadAsync(() => VshRun.OkAsync(virtd, "domcontrol", "hb"), o => o.StartsWith("occupied", StringComparison.Ordinal), TimeSpan.FromSeconds(20), ct);
        }
        finally
        {
            VshRun.Signal("CONT", qemuPid);
        }
        Assert.That(occupied, Does.Match(@"^occupied \(\d+\.\d{3}s\)\n\n$"));
        Assert.That((await waiting).Out, Is.EqualTo("""{"return":{"name":"hb"}}""" + "\n\n"), "the call is answered once QEMU runs again");
        Assert.That(await VshRun.OkAsync(virtd, "domcontrol", "hb"), Is.EqualTo("ok\n\n"));

        // destroy --remove-logs: QEMU's log and the console log go with the guest.
        Assert.That(File.Exists(VshRun.ConsoleLog(virtd, uuid)), Is.True);
        await VshRun.OkAsync(virtd, "destroy", "hb", "--remove-logs");
        Assert.That((File.Exists(qemuLog), File.Exists(VshRun.ConsoleLog(virtd, uuid))), Is.EqualTo((false, false)));
        var stopped = await VshRun.RunAsync(virtd, "domcontrol", "hb");
        Assert.That((stopped.Code, stopped.Err), Is.EqualTo((1, "error: Requested operation is not valid: domain is not running\n")));
    }
}
