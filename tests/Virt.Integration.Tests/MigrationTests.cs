using System.Diagnostics;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>
/// Migration between two real virtd hosts on one machine: each virtd in its own network namespace, joined by a veth
/// pair the test creates (and removes), sharing the filesystem as shared storage. The heartbeat guest shows whether
/// the guest's memory moved: its counter lives in guest RAM.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class MigrationTests
{
    private const int PeerPort = 16509;
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(120);

    [Test]
    [CancelAfter(600_000)]
    public async Task Live_migration_moves_the_running_guest_the_destination_console_continues_the_counter_and_the_source_stops(CancellationToken ct)
    {
        await using var hosts = await NetworkNamespacePair.CreateAsync();
        await using var source = await StartHostAsync(hosts.NamespaceA, hosts.AddressA);
        await using var destination = await StartHostAsync(hosts.NamespaceB, hosts.AddressB);
        var (uuid, sourceLog, _) = await StartHeartbeatAsync(source, above: 5);

        // The tunables: kept per domain, used by the migration.
        Assert.That(await VshRun.OkAsync(source, "migrate-getmaxdowntime", "hb"), Is.EqualTo("300\n\n"));
        Assert.That(await VshRun.OkAsync(source, "migrate-getspeed", "hb"), Is.EqualTo("8796093022207\n\n"));
        await VshRun.OkAsync(source, "migrate-setmaxdowntime", "hb", "500");
        await VshRun.OkAsync(source, "migrate-setspeed", "hb", "2000");
        Assert.That(await VshRun.OkAsync(source, "migrate-getmaxdowntime", "hb"), Is.EqualTo("500\n\n"));
        Assert.That(await VshRun.OkAsync(source, "migrate-getspeed", "hb"), Is.EqualTo("2000\n\n"));

        var (migrated, _, progressLine) = await VshRun.RunAsync(source, "migrate", "--live", "--persistent", "--verbose", "hb", $"virt+tcp://{hosts.AddressB}:{PeerPort}/");
        Assert.That(migrated, Is.Zero, progressLine);
        // virsh --verbose: the job's progress on stderr, ending at 100 % and a newline.
        Assert.That(progressLine, Does.EndWith("\rMigration: [100 %]\n"));
        var completed = await VshRun.OkAsync(source, "domjobinfo", "--completed", "hb");
        Assert.That(completed, Does.Match(@"^Job type: +Completed +\nOperation: +Outgoing migration *\n"), completed);
        var lastOnSource = VshRun.Heartbeats(sourceLog)[^1];

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await VshRun.OkAsync(destination, "domstate", "--reason", "hb"), Is.EqualTo("running (migrated)\n\n"));
            Assert.That(await VshRun.OkAsync(source, "domstate", "--reason", "hb"), Is.EqualTo("shut off (migrated)\n\n"));
            Assert.That(await VshRun.OkAsync(destination, "dominfo", "hb"), Does.Contain("Persistent:     yes"));
        });
        // The destination's console goes on from where the source's stopped: the guest's RAM came along.
        var destinationLog = VshRun.ConsoleLog(destination, uuid);
        await VshRun.WaitForBeatAsync(destinationLog, above: lastOnSource + 3, TimeSpan.FromSeconds(60));
        var first = VshRun.Heartbeats(destinationLog)[0];
        Assert.That(first, Is.InRange(lastOnSource, lastOnSource + 5), $"the destination's first heartbeat after {lastOnSource} on the source");
        // And the source no longer runs it.
        await Task.Delay(1000, ct);
        Assert.That(VshRun.Heartbeats(sourceLog)[^1], Is.EqualTo(lastOnSource));
        Assert.That(StateFiles(source), Is.Empty);
        await VshRun.OkAsync(destination, "destroy", "hb");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Offline_migration_moves_only_the_definition(CancellationToken ct)
    {
        await using var hosts = await NetworkNamespacePair.CreateAsync();
        await using var source = await StartHostAsync(hosts.NamespaceA, hosts.AddressA);
        await using var destination = await StartHostAsync(hosts.NamespaceB, hosts.AddressB);
        await VshRun.OkAsync(source, "define", await VshRun.GuestXmlFileAsync(source.StateDir, "hb"));
        var uuid = (await VshRun.OkAsync(source, "domuuid", "hb")).Trim();

        var desturi = $"virt+tcp://{hosts.AddressB}:{PeerPort}/";
        var (code, _, errors) = await VshRun.RunAsync(source, "migrate", "--offline", "hb", desturi);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.Contain("offline migration needs persistent"));
        });
        await VshRun.OkAsync(source, "migrate", "--offline", "--persistent", "--undefinesource", "hb", desturi);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await VshRun.OkAsync(destination, "list", "--all", "--uuid"), Is.EqualTo(uuid + "\n\n"));
            Assert.That(await VshRun.OkAsync(destination, "domstate", "hb"), Is.EqualTo("shut off\n\n"));
            Assert.That(await VshRun.OkAsync(source, "list", "--all", "--name"), Is.EqualTo("\n"));
            Assert.That(StateFiles(destination), Is.Empty);
        });

        // The peer endpoint serves the migration phases and reads, nothing else that writes.
        var peer = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", hosts.NamespaceA, VshRun.Binary, "-c", desturi, "undefine", "hb"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var refused = await peer.StandardError.ReadToEndAsync(ct);
        await peer.WaitForExitAsync(ct);
        Assert.Multiple(() =>
        {
            Assert.That(peer.ExitCode, Is.EqualTo(1));
            Assert.That(refused, Does.Contain("read only access prevents virDomainUndefine"));
        });
        Assert.That(await VshRun.OkAsync(destination, "list", "--all", "--uuid"), Is.EqualTo(uuid + "\n\n"));
        peer.Dispose();
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task A_refused_preflight_names_the_missing_disk_and_leaves_the_source_running_untouched(CancellationToken ct)
    {
        await using var hosts = await NetworkNamespacePair.CreateAsync();
        await using var source = await StartHostAsync(hosts.NamespaceA, hosts.AddressA);
        await using var destination = await StartHostAsync(hosts.NamespaceB, hosts.AddressB);
        var disk = Path.Combine(source.StateDir, "scratch.qcow2");
        using (var create = Process.Start("qemu-img", ["create", "-q", "-f", "qcow2", disk, "16M"]))
        {
            await create.WaitForExitAsync(ct);
        }
        var (uuid, sourceLog, beat) = await StartHeartbeatAsync(source, above: 3,
            $"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/><target dev='vdb' bus='virtio'/></disk>");
        // The source's QEMU keeps its open file; for the destination (another "host") the path is gone.
        File.Delete(disk);
        var definition = Path.Combine(source.StateDir, "qemu", "domains", uuid + ".xml");
        var before = await File.ReadAllTextAsync(definition, ct);

        var (code, _, errors) = await VshRun.RunAsync(source, "migrate", "--live", "hb", $"virt+tcp://{hosts.AddressB}:{PeerPort}/");
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.Contain($"Disk vdb: '{disk}' is not reachable on the destination"));
            Assert.That(await VshRun.OkAsync(source, "domstate", "--reason", "hb"), Is.EqualTo("running (booted)\n\n"));
            Assert.That(await VshRun.OkAsync(destination, "list", "--all", "--name"), Is.EqualTo("\n"));
            Assert.That(StateFiles(destination), Is.Empty);
        });
        Assert.That(await File.ReadAllTextAsync(definition, ct), Is.EqualTo(before));
        await VshRun.WaitForBeatAsync(sourceLog, above: beat + 3, TimeSpan.FromSeconds(30));
        await VshRun.OkAsync(source, "destroy", "hb");
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task Domjobinfo_shows_the_running_migration_and_domjobabort_cancels_it_the_source_keeps_running_and_the_destination_has_nothing(CancellationToken ct)
    {
        await using var hosts = await NetworkNamespacePair.CreateAsync();
        await using var source = await StartHostAsync(hosts.NamespaceA, hosts.AddressA);
        await using var destination = await StartHostAsync(hosts.NamespaceB, hosts.AddressB);
        var (_, sourceLog, _) = await StartHeartbeatAsync(source, above: 3);

        // 1 MiB/s: the guest's RAM takes many seconds to move, time enough to look at the job and abort it.
        var migrate = VshRun.RunAsync(source, "migrate", "--live", "--verbose", "--bandwidth", "1", "hb", $"virt+tcp://{hosts.AddressB}:{PeerPort}/");
        string info;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            info = (await VshRun.RunAsync(source, "domjobinfo", "hb")).Out;
            if (info.Contains("Data processed:", StringComparison.Ordinal) || migrate.IsCompleted || watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                break;
            }
            await Task.Delay(200, ct);
        }
        Assert.That(info, Does.Match(@"^Job type: +Unbounded +\nOperation: +Outgoing migration *\nTime elapsed: ").And.Contain("Data remaining:").And.Contain("Memory total:"), info);
        Assert.That(await VshRun.OkAsync(destination, "list", "--all", "--name"), Is.EqualTo("hb\n\n"), "the destination's incoming domain while the stream runs");
        Assert.That(await VshRun.OkAsync(destination, "domjobinfo", "hb"), Does.Match(@"^Job type: +Unbounded +\nOperation: +Incoming migration *\nTime elapsed: "),
            "the destination has its own job, as libvirt's");

        await VshRun.OkAsync(source, "domjobabort", "hb");
        var (code, _, errors) = await migrate;
        var beat = VshRun.Heartbeats(sourceLog)[^1];
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(errors, Does.Match(@"^(\rMigration: \[ *\d+ %\])+error: operation aborted: migration out job: canceled by client\n$"), "progress lines, then virsh's abort message");
            Assert.That(await VshRun.OkAsync(source, "domstate", "--reason", "hb"), Is.EqualTo("running (booted)\n\n"));
            Assert.That(await VshRun.OkAsync(source, "domjobinfo", "--completed", "hb"), Does.Match(@"^Job type: +Cancelled +\n"));
            Assert.That(await VshRun.OkAsync(destination, "list", "--all", "--name"), Is.EqualTo("\n"));
            Assert.That(StateFiles(destination), Is.Empty);
        });
        // The guest never stopped being the source's: its counter goes on.
        await VshRun.WaitForBeatAsync(sourceLog, above: beat + 3, TimeSpan.FromSeconds(30));
        var (noJob, _, none) = await VshRun.RunAsync(source, "domjobabort", "hb");
        Assert.That((noJob, none), Is.EqualTo((1, "error: Requested operation is not valid: no job is active on the domain\n")));
        await VshRun.OkAsync(source, "destroy", "hb");
    }

    /// <summary>
    /// virsh's SIGINT handling for migrate (JobInterrupt, as save's in SaveTests): Ctrl-C to `vsh migrate --verbose`
    /// while the stream runs aborts the migration job instead of ending vsh, which reports the abort as virsh does; the
    /// source keeps the running guest and the destination is left with nothing.
    /// </summary>
    [Test]
    [CancelAfter(600_000)]
    public async Task Ctrl_C_on_vsh_migrate_aborts_the_migration_the_source_keeps_running_and_the_destination_has_nothing(CancellationToken ct)
    {
        await using var hosts = await NetworkNamespacePair.CreateAsync();
        await using var source = await StartHostAsync(hosts.NamespaceA, hosts.AddressA);
        await using var destination = await StartHostAsync(hosts.NamespaceB, hosts.AddressB);
        var (_, sourceLog, _) = await StartHeartbeatAsync(source, above: 3);

        // 1 MiB/s: the stream is still running when Ctrl-C comes.
        var (process, output, errors) = VshRun.Start(source, "migrate", "--live", "--verbose", "--bandwidth", "1", "hb", $"virt+tcp://{hosts.AddressB}:{PeerPort}/");
        using var vsh = process;
        var watch = Stopwatch.StartNew();
        while (!(await VshRun.RunAsync(source, "domjobinfo", "hb")).Out.Contains("Data processed:", StringComparison.Ordinal))
        {
            Assert.That(vsh.HasExited || watch.Elapsed > TimeSpan.FromSeconds(60), Is.False, "the migration job streams before Ctrl-C");
            await Task.Delay(200, ct);
        }

        VshRun.Signal("INT", vsh.Id);
        await vsh.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(120), ct);
        var beat = VshRun.Heartbeats(sourceLog)[^1];
        var stderr = await errors;
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(vsh.ExitCode, Is.EqualTo(1), "vsh reports the aborted job; SIGINT did not end it (that would be 130)");
            Assert.That(stderr, Does.Match(@"^(\rMigration: \[ *\d+ %\])+error: operation aborted: migration out job: canceled by client\n$"), "progress lines, then virsh's abort message");
            Assert.That(await output, Is.EqualTo("\n"), "only the empty line virsh prints after a failed command");
            Assert.That(await VshRun.OkAsync(source, "domstate", "--reason", "hb"), Is.EqualTo("running (booted)\n\n"));
            Assert.That(await VshRun.OkAsync(source, "domjobinfo", "--completed", "hb"), Does.Match(@"^Job type: +Cancelled +\n"));
            Assert.That(await VshRun.OkAsync(destination, "list", "--all", "--name"), Is.EqualTo("\n"));
            Assert.That(StateFiles(destination), Is.Empty);
        });
        await VshRun.WaitForBeatAsync(sourceLog, above: beat + 3, TimeSpan.FromSeconds(30));
        await VshRun.OkAsync(source, "destroy", "hb");
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task Domjobabort_on_the_destination_drops_the_incoming_copy_and_the_source_keeps_running(CancellationToken ct)
    {
        await using var hosts = await NetworkNamespacePair.CreateAsync();
        await using var source = await StartHostAsync(hosts.NamespaceA, hosts.AddressA);
        await using var destination = await StartHostAsync(hosts.NamespaceB, hosts.AddressB);
        var (_, sourceLog, _) = await StartHeartbeatAsync(source, above: 3);

        // 1 MiB/s, as above: the stream is still running when the destination gives up.
        var migrate = VshRun.RunAsync(source, "migrate", "--live", "--bandwidth", "1", "hb", $"virt+tcp://{hosts.AddressB}:{PeerPort}/");
        var watch = Stopwatch.StartNew();
        while (!(await VshRun.RunAsync(destination, "domjobinfo", "hb")).Out.Contains("Incoming migration", StringComparison.Ordinal))
        {
            Assert.That(migrate.IsCompleted || watch.Elapsed > TimeSpan.FromSeconds(60), Is.False, "the destination's incoming job appears while the stream runs");
            await Task.Delay(200, ct);
        }
        Assert.That(await VshRun.OkAsync(destination, "domjobabort", "hb"), Is.EqualTo("\n"));

        var (code, _, errors) = await migrate;
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(code, Is.EqualTo(1), errors);
            Assert.That(errors, Does.StartWith("error: "), "the source's migration fails");
            Assert.That(await VshRun.OkAsync(destination, "list", "--all", "--name"), Is.EqualTo("\n"), "the incoming copy is gone");
            Assert.That(StateFiles(destination), Is.Empty);
            Assert.That(await VshRun.OkAsync(source, "domstate", "hb"), Is.EqualTo("running\n\n"));
        });
        var beat = VshRun.Heartbeats(sourceLog)[^1];
        await VshRun.WaitForBeatAsync(sourceLog, above: beat + 3, TimeSpan.FromSeconds(30));
        await VshRun.OkAsync(source, "destroy", "hb");
    }

    /// <summary>The run state files of the guests a virtd runs (none: no QEMU of its runs).</summary>
    private static string[] StateFiles(VirtdProcess virtd)
    {
        var directory = Path.Combine(virtd.RunDir, "qemu");
        return Directory.Exists(directory) ? Directory.GetFiles(directory, "*.state") : [];
    }

    /// <summary>Defines and starts the heartbeat guest <c>hb</c> on <paramref name="source"/> and waits for its counter to pass <paramref name="above"/>.</summary>
    private static async Task<(string Uuid, string Log, int Beat)> StartHeartbeatAsync(VirtdProcess source, int above, string devices = "")
    {
        await VshRun.OkAsync(source, "define", await VshRun.GuestXmlFileAsync(source.StateDir, "hb", devices));
        await VshRun.OkAsync(source, "start", "hb");
        var uuid = (await VshRun.OkAsync(source, "domuuid", "hb")).Trim();
        var log = VshRun.ConsoleLog(source, uuid);
        return (uuid, log, await VshRun.WaitForBeatAsync(log, above, _boot));
    }

    /// <summary>A virtd with its peer endpoint in <paramref name="netns"/>, on a new state directory or (a restart) on <paramref name="stateDir"/>.</summary>
    private static Task<VirtdProcess> StartHostAsync(string netns, string address, string? stateDir = null) =>
        VirtdProcess.StartInNamespaceAsync(netns, stateDir, "--listen-peer", $"{address}:{PeerPort}");
}
