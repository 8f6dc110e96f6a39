using System.Diagnostics;
using System.Globalization;
using Virt.Client;
using Virt.Protocol.V1;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// Real guests through a real virtd and a real vsh: the heartbeat guest on the console stream, suspend and resume,
/// shutdown with a timeout and force, restart survival after SIGKILL of virtd, and a QEMU killed under virtd.
/// Each test boots one guest (TCG: seconds) and takes it through as much as honestly belongs together.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class VirtdGuestTests
{
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(90);

    [Test]
    [CancelAfter(300_000)]
    public async Task Define_start_console_shows_the_heartbeat_suspend_stops_it_resume_continues_shutdown_with_force_and_undefine(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await VshRun.OkAsync(virtd, "define", file);

        // start --console: the guest's console right after the start, in the same vsh (virsh's cmdRunConsole).
        var start = new ProcessStartInfo(VshRun.Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[] { "-c", virtd.AdminUri, "start", "hb", "--console" })
        {
            start.ArgumentList.Add(argument);
        }
        using var console = Process.Start(start)!;
        var lines = new ConsoleLines("vsh start hb --console");
        var pump = Task.Run(async () =>
        {
            while (await console.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }
            lines.Complete();
        }, CancellationToken.None);
        var errors = console.StandardError.ReadToEndAsync(ct);

        await lines.WaitForTextAsync("HEARTBEAT ", _boot, ct);
        Assert.That(lines.Snapshot().Take(3), Is.EqualTo(new[] { "Domain 'hb' started", "Connected to domain 'hb'", "Escape character is ^] (Ctrl + ])" }), "virsh's lines");

        Assert.That(await VshRun.OkAsync(virtd, "suspend", "hb"), Is.EqualTo("Domain 'hb' suspended\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("paused (user)\n\n"));
        var atPause = VshRun.HeartbeatsIn(lines.Snapshot());
        await Task.Delay(1500, ct);
        var duringPause = VshRun.HeartbeatsIn(lines.Snapshot());
        Assert.That(duringPause.Count, Is.LessThanOrEqualTo(atPause.Count + 1), "the counter stops while suspended");

        Assert.That(await VshRun.OkAsync(virtd, "resume", "hb"), Is.EqualTo("Domain 'hb' resumed\n\n"));
        await lines.WaitForLineAsync(l => VshRun.Heartbeat(l) > duringPause[^1],
            TimeSpan.FromSeconds(30), ct);
        var beats = VshRun.HeartbeatsIn(lines.Snapshot());
        Assert.That(beats.Zip(beats.Skip(1)).All(p => p.Second == p.First + 1), Is.True, "the counter continues where it stopped, with no restart");

        // End of stdin ends vsh console (a pipe is copied; only a terminal gets raw mode and Ctrl-]).
        console.StandardInput.Close();
        await console.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.That(console.ExitCode, Is.Zero, await errors);
        await pump;

        Assert.That(await VshRun.OkAsync(virtd, "shutdown", "hb", "--timeout", "60", "--force"), Is.EqualTo("Domain 'hb' is being shutdown\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "domstate", "hb", "--reason"), Is.EqualTo("shut off (shutdown)\n\n"), "the guest powered off by ACPI before the timeout");
        Assert.That(await VshRun.OkAsync(virtd, "undefine", "hb"), Is.EqualTo("Domain 'hb' has been undefined\n\n"));
        Assert.That(await VshRun.OkAsync(virtd, "list", "--all", "--name"), Is.EqualTo("\n"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_guest_survives_sigkill_of_virtd_is_listed_running_after_restart_is_destroyed_and_a_killed_qemu_is_crashed(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("vg-").FullName;
        try
        {
            string uuid;
            await using (var first = await VirtdProcess.StartAsync(state))
            {
                var file = await VshRun.GuestXmlFileAsync(state, "hb");
                await VshRun.OkAsync(first, "define", file);
                await VshRun.OkAsync(first, "start", "hb");
                uuid = (await VshRun.OkAsync(first, "domuuid", "hb")).Trim();
                await VshRun.WaitForBeatAsync(VshRun.ConsoleLog(first, uuid), -1, _boot);
                Assert.That(await first.StopAsync("KILL"), Is.Not.Zero);
            }
            var log = Path.Combine(state, "qemu", "log", uuid + ".console.log");
            var whileDown = VshRun.Heartbeats(log)[^1];
            await VshRun.WaitForBeatAsync(log, whileDown + 2, TimeSpan.FromSeconds(30));

            await using (var second = await VirtdProcess.StartAsync(state))
            {
                Assert.That(await VshRun.OkAsync(second, "list"), Is.EqualTo(" Id   Name   State\n----------------------\n 1    hb     running\n\n"));
                Assert.That(await VshRun.OkAsync(second, "domstate", "hb", "--reason"), Is.EqualTo("running (booted)\n\n"));
                var beats = VshRun.Heartbeats(log);
                Assert.That(beats.Zip(beats.Skip(1)).All(p => p.Second == p.First + 1), Is.True, "the heartbeat never stopped or restarted");

                Assert.That(await VshRun.OkAsync(second, "destroy", "hb"), Is.EqualTo("Domain 'hb' destroyed\n\n"));
                Assert.That(await VshRun.OkAsync(second, "domstate", "hb", "--reason"), Is.EqualTo("shut off (destroyed)\n\n"));

                await VshRun.OkAsync(second, "start", "hb", "--paused");
                await using var virt = await VirtConnection.OpenAsync(second.AdminUri, cancellationToken: ct);
                var cursor = await virt.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct);
                using var events = virt.Events.Subscribe(new SubscribeRequest { AfterSequence = cursor.LatestSequence }, cancellationToken: ct);
                var pid = File.ReadAllLines(Path.Combine(state, "run", "qemu", uuid + ".state")).Single(l => l.StartsWith("qemu_pid=", StringComparison.Ordinal))[9..];
                Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture)).Kill();

                DomainLifecycleEvent? stopped = null;
                while (stopped is null && await events.ResponseStream.MoveNext(ct))
                {
                    stopped = events.ResponseStream.Current.Event?.DomainLifecycle;
                }
                Assert.That((stopped!.Type, stopped.Detail, stopped.Domain.Name), Is.EqualTo((DomainEventType.Stopped, 5, "hb")), "Stopped Failed");
                Assert.That(await VshRun.OkAsync(second, "domstate", "hb", "--reason"), Is.EqualTo("shut off (crashed)\n\n"));
            }
        }
        finally
        {
            await VirtdProcess.KillGuestsAsync(Path.Combine(state, "run"));
            Directory.Delete(state, recursive: true);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Bad_lifecycle_input_through_vsh_gets_virsh_errors_and_starts_nothing()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        var file = await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb");
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("</kernel>", ".missing</kernel>", StringComparison.Ordinal));
        await VshRun.OkAsync(virtd, "define", file);

        var (startCode, _, startErrors) = await VshRun.RunAsync(virtd, "start", "hb");
        var (suspendCode, _, suspendErrors) = await VshRun.RunAsync(virtd, "suspend", "hb");
        var (consoleCode, _, consoleErrors) = await VshRun.RunAsync(virtd, "console", "hb");

        Assert.That(startCode, Is.EqualTo(1));
        Assert.That(startErrors, Does.StartWith("error: Failed to start domain 'hb'\nerror: ").And.Contain("vmlinux.missing"));
        Assert.That(suspendCode, Is.EqualTo(1));
        Assert.That(suspendErrors, Does.StartWith("error: Failed to suspend domain 'hb'\n").And.Contain("not running"));
        Assert.That(consoleCode, Is.EqualTo(1));
        Assert.That(consoleErrors, Does.Contain("not running"));
        Assert.That(Directory.Exists(Path.Combine(virtd.RunDir, "qemu")) ? Directory.GetFileSystemEntries(Path.Combine(virtd.RunDir, "qemu")) : [], Is.Empty, "nothing was started");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Starting_an_active_domain_by_name_or_uuid_reads_as_virsh_and_leaves_it_running()
    {
        await using var virtd = await VirtdProcess.StartAsync();
        try
        {
            await VshRun.OkAsync(virtd, "define", await VshRun.GuestXmlFileAsync(virtd.StateDir, "hb"));
            var uuid = (await VshRun.OkAsync(virtd, "domuuid", "hb")).Trim();
            Assert.That(await VshRun.OkAsync(virtd, "start", "hb"), Does.StartWith("Domain 'hb' started\n"));
            var id = (await VshRun.OkAsync(virtd, "domid", "hb")).Trim();

            // By name the daemon refuses it (vsh starts by name in one call), by UUID vsh's lookup does: the same words.
            var byName = await VshRun.RunAsync(virtd, "start", "hb");
            var byUuid = await VshRun.RunAsync(virtd, "start", uuid);

            Assert.That(byName.Code, Is.EqualTo(1));
            Assert.That(byName.Err, Does.StartWith("error: Domain is already active\n"));
            Assert.That(byUuid, Is.EqualTo(byName));
            Assert.That((await VshRun.OkAsync(virtd, "domstate", "hb")).Trim(), Is.EqualTo("running"));
            Assert.That((await VshRun.OkAsync(virtd, "domid", "hb")).Trim(), Is.EqualTo(id), "the same run of the guest");
        }
        finally
        {
            await VshRun.RunAsync(virtd, "destroy", "hb");
        }
    }
}
