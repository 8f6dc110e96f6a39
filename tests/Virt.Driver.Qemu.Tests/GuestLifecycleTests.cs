using System.Diagnostics;
using Virt.Testing;
using static Virt.Driver.Qemu.Tests.TestSupport;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// The driver with real QEMU under TCG, the heartbeat guest and real VMM workers. One guest is booted per test and
/// taken through as many steps as honestly belong together, since each boot costs seconds.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GuestLifecycleTests
{
    private static readonly TimeSpan _boot = TimeSpan.FromSeconds(90);

    private string _state = null!;
    private EventLog _events = null!;
    private ListLogger _log = null!;
    private QemuDomainDriver? _driver;

    [SetUp]
    public void CreateStateDirectory()
    {
        // Short: Unix socket paths must fit in 108 bytes.
        _state = Directory.CreateTempSubdirectory("vq-").FullName;
        _events = new EventLog();
        _log = new ListLogger();
    }

    [TearDown]
    public async Task DestroyAndDelete()
    {
        if (_driver is not null)
        {
            foreach (var domain in await _driver.ListDomainsAsync(DomainListFilter.ActiveOnly, CancellationToken.None))
            {
                await _driver.DestroyDomainAsync(DomainRef.ByUuid(domain.Uuid), graceful: false, removeLogs: false, CancellationToken.None);
            }
            // Not Dispose: the workers of the guests destroyed just now are released and their run files removed after
            // the destroy is answered, and a recursive delete racing them failed with "Directory not empty".
            await _driver.DisposeAsync();
            _driver = null;
        }
        Directory.Delete(_state, recursive: true);
    }

    private QemuDriverOptions Options => new() { StateDirectory = _state, HostCpus = 4, VmmBinary = GuestFixture.VmmBinary, WorkerLinger = TimeSpan.FromSeconds(5) };

    private async Task<QemuDomainDriver> OpenAsync() => _driver = await QemuDomainDriver.OpenAsync(Options, _events, _log, CancellationToken.None);

    private string ConsoleLog(Guid uuid) => Path.Combine(_state, "qemu", "log", $"{uuid}.console.log");

    private string RunDir => Path.Combine(_state, "run", "qemu");

    private IReadOnlyList<(DomainEventType Type, int Detail)> LifecycleEvents(Guid uuid) =>
        [.. _events.SubscribeAsync(0, true, CancellationToken.None).ToBlockingEnumerable().TakeWhile(i => !i.IsCaughtUp)
            .Select(i => i.Event?.Event).OfType<DomainLifecycleEvent>().Where(e => e.Uuid == uuid).Select(e => (e.Type, e.Detail))];

    [Test]
    [CancelAfter(300_000)]
    public async Task A_guest_starts_suspends_resumes_shuts_down_by_acpi_starts_paused_and_is_destroyed(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var driver = await OpenAsync();
        var uuid = Guid.NewGuid();
        await driver.DefineDomainAsync(GuestFixture.Xml(guest, "hb", uuid), cancellationToken);
        var domain = DomainRef.ByName("hb");

        var started = await driver.StartDomainAsync(domain, startPaused: false, cancellationToken);
        Assert.That((started.State, started.Reason, started.Id), Is.EqualTo((DomainState.Running, 1, 1)), "running (booted), id 1");
        Assert.That((await driver.LookupDomainAsync(DomainRef.ById(1), cancellationToken)).Uuid, Is.EqualTo(uuid));
        var beat = await GuestFixture.WaitForHeartbeatAsync(ConsoleLog(uuid), -1, _boot, cancellationToken);
        var status = Virt.Vmm.Protocol.WorkerStateFile.Read(Path.Combine(RunDir, $"{uuid}.state"))!;
        Assert.That((status.State, status.Reason, status.DomainId), Is.EqualTo((1, 1, 1)), "the worker recorded the run state");
        Assert.That(Process.GetProcessById(status.QemuPid).HasExited, Is.False);

        var paused = await driver.SuspendDomainAsync(domain, cancellationToken);
        Assert.That((paused.State, paused.Reason), Is.EqualTo((DomainState.Paused, 1)), "paused (user)");
        var atPause = GuestFixture.Heartbeats(ConsoleLog(uuid)).Count;
        await Task.Delay(1500, cancellationToken);
        Assert.That(GuestFixture.Heartbeats(ConsoleLog(uuid)).Count, Is.LessThanOrEqualTo(atPause + 1), "the counter stops while paused");

        var resumed = await driver.ResumeDomainAsync(domain, cancellationToken);
        Assert.That((resumed.State, resumed.Reason), Is.EqualTo((DomainState.Running, 5)), "running (unpaused)");
        var after = GuestFixture.Heartbeats(ConsoleLog(uuid))[^1];
        await GuestFixture.WaitForHeartbeatAsync(ConsoleLog(uuid), after, TimeSpan.FromSeconds(30), cancellationToken);
        Assert.That(GuestFixture.Heartbeats(ConsoleLog(uuid))[^1], Is.GreaterThan(beat), "it continues where it stopped");

        var off = await driver.ShutdownDomainAsync(domain, TimeSpan.FromSeconds(60), forceAfterTimeout: true, cancellationToken);
        Assert.That((off.State, off.Reason, off.Id), Is.EqualTo((DomainState.Shutoff, 1, -1)), "shut off (shutdown): the guest powered off by ACPI");
        Assert.That(File.ReadAllText(ConsoleLog(uuid)), Does.Contain("VIRT-GUEST POWEROFF acpi"));

        var pausedStart = await driver.StartDomainAsync(domain, startPaused: true, cancellationToken);
        Assert.That((pausedStart.State, pausedStart.Reason, pausedStart.Id), Is.EqualTo((DomainState.Paused, 1, 2)), "start --paused: paused (user), the next id");
        var destroyed = await driver.DestroyDomainAsync(domain, graceful: false, removeLogs: false, cancellationToken);
        Assert.That((destroyed.State, destroyed.Reason), Is.EqualTo((DomainState.Shutoff, 2)), "shut off (destroyed)");
        var leftovers = await Eventually.ReadAsync(() => Task.FromResult(Directory.EnumerateFileSystemEntries(RunDir).Where(f => f.Contains(uuid.ToString(), StringComparison.Ordinal)).ToList()),
            l => l.Count == 0, TimeSpan.FromSeconds(10), cancellationToken);
        Assert.That(leftovers, Is.Empty, "no run files are left once the worker is released");

        Assert.That(LifecycleEvents(uuid), Is.EqualTo(new[]
        {
            (DomainEventType.Defined, 0),
            (DomainEventType.Started, 0),
            (DomainEventType.Suspended, 0),
            (DomainEventType.Resumed, 0),
            (DomainEventType.Shutdown, 1),
            (DomainEventType.Stopped, 0),
            (DomainEventType.Started, 0),
            (DomainEventType.Suspended, 0),
            (DomainEventType.Stopped, 1),
        }));
        await driver.UndefineDomainAsync(domain, cancellationToken);
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Virtd_sends_a_destroys_sigterm_itself_and_the_worker_records_it_as_destroyed_while_an_outside_sigterm_is_a_shutdown(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var driver = await OpenAsync();
        var uuid = Guid.NewGuid();
        await driver.DefineDomainAsync(GuestFixture.Xml(guest, "sig", uuid), cancellationToken);
        var domain = DomainRef.ByName("sig");
        var log = Path.Combine(_state, "qemu", "log", $"{uuid}.log");

        await driver.StartDomainAsync(domain, startPaused: false, cancellationToken);
        await GuestFixture.WaitForHeartbeatAsync(ConsoleLog(uuid), -1, _boot, cancellationToken);
        var destroyed = await driver.DestroyDomainAsync(domain, graceful: false, removeLogs: false, cancellationToken);
        Assert.That((destroyed.State, destroyed.Reason), Is.EqualTo((DomainState.Shutoff, 2)), "shut off (destroyed)");
        // QEMU names who sent its SIGTERM: the driver's process (virtd here), not the worker.
        Assert.That(File.ReadAllText(log), Does.Contain($"terminating on signal 15 from pid {Environment.ProcessId} "));
        var recorded = await Eventually.ReadAsync(() => Task.FromResult(File.ReadAllText(log)),
            l => l.Contains("QEMU exited with", StringComparison.Ordinal), TimeSpan.FromSeconds(10), cancellationToken);
        // QEMU ends with code 0 on SIGTERM: what makes it a destroy is the mark.
        Assert.That(recorded, Does.Contain("QEMU exited with code 0: shut off, reason 2"), "the worker recorded the destroy from its mark");

        await driver.StartDomainAsync(domain, startPaused: false, cancellationToken);
        await GuestFixture.WaitForHeartbeatAsync(ConsoleLog(uuid), -1, _boot, cancellationToken);
        var pid = Virt.Vmm.Protocol.WorkerStateFile.Read(Path.Combine(RunDir, $"{uuid}.state"))!.QemuPid;
        using (var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }
        var stopped = await Eventually.ReadAsync(() => driver.LookupDomainAsync(domain, cancellationToken), d => !d.IsActive, TimeSpan.FromSeconds(10), cancellationToken);
        Assert.That((stopped.State, stopped.Reason), Is.EqualTo((DomainState.Shutoff, 1)), "shut off (shutdown), as libvirt reports a QEMU that took a SIGTERM from elsewhere");
        Assert.That(LifecycleEvents(uuid).TakeLast(2), Is.EqualTo(new[] { (DomainEventType.Shutdown, 2), (DomainEventType.Stopped, 0) }), "Shutdown Host, then Stopped Shutdown");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task A_start_leaves_a_spare_worker_that_the_next_start_uses_a_start_right_after_a_destroy_keeps_its_files_and_disposing_the_driver_ends_it(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var driver = await OpenAsync();
        Assert.That(SpareWorkers(), Is.Empty, "no spare before the first start");
        var first = Guid.NewGuid();
        await driver.CreateDomainAsync(GuestFixture.Xml(guest, "s1", first), startPaused: true, cancellationToken);

        var spares = await Eventually.ReadAsync(() => Task.FromResult(SpareWorkers()), s => s.Count == 1, TimeSpan.FromSeconds(30), cancellationToken);
        Assert.That(spares, Has.Count.EqualTo(1), "one worker waits for the next start");
        var second = Guid.NewGuid();
        var created = await driver.CreateDomainAsync(GuestFixture.Xml(guest, "s2", second), startPaused: true, cancellationToken);
        Assert.That(created.State, Is.EqualTo(DomainState.Paused));
        Assert.That(WorkerPid(second), Is.EqualTo(spares[0]), "the second guest runs in the spare");

        var next = await Eventually.ReadAsync(() => Task.FromResult(SpareWorkers()), s => s.Count == 1, TimeSpan.FromSeconds(30), cancellationToken);
        Assert.That(next, Has.Count.EqualTo(1).And.Not.Contains(spares[0]), "and a new spare waits");
        foreach (var uuid in new[] { first, second })
        {
            await driver.DestroyDomainAsync(DomainRef.ByUuid(uuid), graceful: false, removeLogs: false, cancellationToken);
        }

        // A start straight after a destroy, with the spare ready: the destroyed run's clean-up (after its answer) must
        // not remove the new run's files, which have the same names.
        var again = Guid.NewGuid();
        await driver.DefineDomainAsync(GuestFixture.Xml(guest, "again", again), cancellationToken);
        await driver.StartDomainAsync(DomainRef.ByUuid(again), startPaused: true, cancellationToken);
        await driver.DestroyDomainAsync(DomainRef.ByUuid(again), graceful: false, removeLogs: false, cancellationToken);
        var restarted = await driver.StartDomainAsync(DomainRef.ByUuid(again), startPaused: true, cancellationToken);
        Assert.That(restarted.State, Is.EqualTo(DomainState.Paused));
        await Task.Delay(500, cancellationToken);
        Assert.That(File.Exists(Path.Combine(RunDir, $"{again}.xml")) && File.Exists(Path.Combine(RunDir, $"{again}.vmm.sock")), Is.True,
            "the new run's live definition and control socket are still there");
        Assert.That((await driver.ResumeDomainAsync(DomainRef.ByUuid(again), cancellationToken)).State, Is.EqualTo(DomainState.Running), "its worker answers");
        await driver.DestroyDomainAsync(DomainRef.ByUuid(again), graceful: false, removeLogs: false, cancellationToken);
        await driver.DisposeAsync();
        _driver = null;
        var gone = await Eventually.ReadAsync(() => Task.FromResult(SpareWorkers()), s => s.Count == 0, TimeSpan.FromSeconds(10), cancellationToken);
        Assert.That(gone, Is.Empty, "disposing the driver ends the spare");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Disposing_the_driver_right_after_a_destroy_waits_until_the_worker_is_released_and_its_run_files_are_gone(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var driver = await OpenAsync();
        var uuid = Guid.NewGuid();
        await driver.CreateDomainAsync(GuestFixture.Xml(guest, "brief", uuid), startPaused: true, cancellationToken);
        var worker = WorkerPid(uuid);

        await driver.DestroyDomainAsync(DomainRef.ByUuid(uuid), graceful: false, removeLogs: false, cancellationToken);
        await driver.DisposeAsync();
        _driver = null;

        Assert.That(Directory.GetFileSystemEntries(RunDir), Is.Empty,
            "the destroyed run's state file, sockets and live definition are removed before DisposeAsync returns");
        Assert.That(Directory.Exists($"/proc/{worker}"), Is.False, "its worker has exited and been reaped");
    }

    private int WorkerPid(Guid uuid) => Virt.Vmm.Protocol.WorkerStateFile.Read(Path.Combine(RunDir, $"{uuid}.state"))!.WorkerPid;

    /// <summary>This process's virt-vmm children (not zombies) that run no guest: no state file names them.</summary>
    private List<int> SpareWorkers()
    {
        var guests = new HashSet<int>();
        foreach (var file in Directory.Exists(RunDir) ? Directory.EnumerateFiles(RunDir, "*.state") : [])
        {
            try
            {
                guests.Add(Virt.Vmm.Protocol.WorkerStateFile.Read(file)?.WorkerPid ?? 0);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                // Removed as its worker was released.
            }
        }
        var spares = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), System.Globalization.CultureInfo.InvariantCulture, out var pid) || guests.Contains(pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            // pid (comm) state ppid ...
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (stat.Contains("(virt-vmm)", StringComparison.Ordinal) && fields[0] != "Z"
                && fields[1] == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                spares.Add(pid);
            }
        }
        return spares;
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Killing_qemu_reports_the_guest_crashed_and_a_transient_one_vanishes(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var driver = await OpenAsync();
        var uuid = Guid.NewGuid();
        var created = await driver.CreateDomainAsync(GuestFixture.Xml(guest, "tr", uuid), startPaused: true, cancellationToken);
        Assert.That((created.Persistent, created.State), Is.EqualTo((false, DomainState.Paused)));
        var pid = Virt.Vmm.Protocol.WorkerStateFile.Read(Path.Combine(RunDir, $"{uuid}.state"))!.QemuPid;

        Process.GetProcessById(pid).Kill();

        var listed = await Eventually.ReadAsync(() => driver.ListDomainsAsync(DomainListFilter.All, cancellationToken), l => l.All(d => d.Uuid != uuid), TimeSpan.FromSeconds(10), cancellationToken);
        Assert.That(listed.Select(d => d.Uuid), Does.Not.Contain(uuid), "a transient domain is gone once it stops");
        Assert.That(LifecycleEvents(uuid)[^1], Is.EqualTo((DomainEventType.Stopped, 5)), "Stopped Failed, as libvirt reports a QEMU that died");

        var defined = Guid.NewGuid();
        await driver.DefineDomainAsync(GuestFixture.Xml(guest, "pe", defined), cancellationToken);
        await driver.StartDomainAsync(DomainRef.ByName("pe"), startPaused: true, cancellationToken);
        Process.GetProcessById(Virt.Vmm.Protocol.WorkerStateFile.Read(Path.Combine(RunDir, $"{defined}.state"))!.QemuPid).Kill();
        var crashed = await Eventually.ReadAsync(() => driver.LookupDomainAsync(DomainRef.ByName("pe"), cancellationToken), d => !d.IsActive, TimeSpan.FromSeconds(10), cancellationToken);
        Assert.That((crashed.State, crashed.Reason), Is.EqualTo((DomainState.Shutoff, 3)), "shut off (crashed)");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Bad_starts_are_refused_with_typed_errors_and_leave_nothing_running(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(GuestFixture.Xml(guest, "nokernel", Guid.NewGuid(), kernel: "/nonexistent/vmlinuz"), cancellationToken);
        await driver.DefineDomainAsync(DomainXml("plain"), cancellationToken);

        var missing = Assert.ThrowsAsync<VirtException>(() => driver.StartDomainAsync(DomainRef.ByName("nokernel"), false, cancellationToken));
        Assert.That(missing!.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
        Assert.That(missing.Message, Does.Contain("/nonexistent/vmlinuz").And.Contain("kernel"));
        Assert.That(missing.Metadata["element"], Is.EqualTo("/domain/os/kernel"));
        var suspend = Assert.ThrowsAsync<VirtException>(() => driver.SuspendDomainAsync(DomainRef.ByName("plain"), cancellationToken));
        Assert.That(suspend!.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(suspend.Message, Does.Contain("not running"));

        await driver.StartDomainAsync(DomainRef.ByName("plain"), startPaused: true, cancellationToken);
        var again = Assert.ThrowsAsync<VirtException>(() => driver.StartDomainAsync(DomainRef.ByName("plain"), false, cancellationToken));
        Assert.That(again!.Reason, Is.EqualTo(VirtErrorReason.OperationInvalid));
        Assert.That(again.Message, Does.Contain("already running"));
        Assert.That((await driver.LookupDomainAsync(DomainRef.ByName("nokernel"), cancellationToken)).State, Is.EqualTo(DomainState.Shutoff));
        Assert.That(Directory.EnumerateFiles(RunDir, "*.state").Count(), Is.EqualTo(1), "only the running guest has run state");
    }
}
