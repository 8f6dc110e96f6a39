using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Driver.Jobs;
using Virt.Qemu.Capabilities;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// The QEMU side of the migration phases (MIGRATION.md). The source holds the domain's gate from Begin to Confirm;
/// the destination holds the incoming domain's from Prepare to Finish. QEMU is driven through the workers' QMP
/// passthrough: <c>migrate</c> and <c>query-migrate</c> on the source, <c>migrate-incoming</c> on the destination.
/// </summary>
public sealed partial class QemuDomainDriver : IDomainMigration
{
    /// <summary>QEMU's own default downtime limit (ms).</summary>
    private const ulong DefaultMaxDowntimeMs = 300;

    /// <summary>libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX in bytes/s: "unlimited" as QEMU accepts it.</summary>
    private const ulong UnlimitedBandwidthBytes = 8796093022207UL * 1024 * 1024;

    private const int PausedMigration = 2;
    private const int RunningMigrated = 2;
    private const int ShutoffMigrated = 4;
    private const int StoppedMigrated = 3;

    private static readonly TimeSpan _progressInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan _finishTimeout = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<string, Outgoing> _outgoing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Incoming> _incoming = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, (ulong DowntimeMs, ulong SpeedMibS)> _tuning = new();

    public async Task<OutgoingMigration> BeginOutgoingAsync(DomainRef domain, MigrationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(settings);
        var found = Find(Volatile.Read(ref _snapshot), domain);
        if (_interrupted.Values.Any(r => r.Uuid == found.Uuid))
        {
            // Its record names this UUID too: a new migration must not start before the old one is settled.
            throw new VirtException(VirtErrorReason.JobBusy, $"Cannot migrate domain '{found.Name}': the migration a restart of virtd interrupted is still being settled; try again when its job has ended.",
                new Dictionary<string, string> { ["domain"] = found.Name, ["operation"] = "migrate" });
        }
        var job = await BeginAsync(found.Uuid, found.Name, "migrate", defining: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(found.Uuid) ?? throw VirtException.DomainNotFound(domain);
            DomainDefinition definition;
            if (settings.Offline)
            {
                if (!current.Persistent)
                {
                    throw VirtException.OperationInvalid(current.Name, "migrate", current.State, "offline migration moves the persistent definition, and this domain is transient");
                }
                definition = current.InactiveDefinition ?? current.Definition with { Id = null };
            }
            else
            {
                if (!current.IsActive || !_running.ContainsKey(current.Uuid))
                {
                    throw VirtException.OperationInvalid(current.Name, "migrate", current.State, "domain is not running; use --offline to move only its definition");
                }
                if (_running.TryGetValue(current.Uuid, out var guest) && guest.Autodestroy)
                {
                    // libvirt's qemuMigrationSrcIsAllowed: the run ends with its connection here, so it cannot go on elsewhere.
                    throw VirtException.OperationInvalid(current.Name, "migrate", current.State, "domain is marked for auto destroy");
                }
                definition = current.Definition with { Id = null };
            }
            var id = Guid.NewGuid().ToString("D");
            var facts = new MigrationFacts
            {
                Hostname = Environment.MachineName,
                MachineType = definition.Os.Machine ?? "",
                Arch = definition.Os.Arch ?? "",
                GuestCpuXml = definition.Cpu?.Model?.Name ?? "",
                Disks = [.. definition.Devices.Disks.Select(d => new MigrationDiskFact(d.Target.Dev, d.Source?.File ?? d.Source?.Dev ?? d.Source?.Volume ?? "",
                    d.Driver?.Format is { } f ? DomainXmlNames.ImageFormat.ToXml(f) : "", d.ReadOnly, d.Shareable))],
                MemoryKiB = definition.MemoryKiB,
                Vcpus = (uint)definition.Vcpu.Count,
                WasRunning = current.State == DomainState.Running,
            };
            var outgoing = new Outgoing(id, current.Uuid, current.Name, settings, facts.WasRunning, current.Persistent, job);
            _outgoing[id] = outgoing;
            // From here a restart of virtd tells the destination to give up whatever Prepare creates there.
            SaveMigrationRecord(outgoing, OutgoingPhase.Begin);
            MigrationLog.Phase(_logger, id, current.Name, "begin", "");
            return new OutgoingMigration(id, current, DomainXml.Format(definition), facts);
        }
        catch
        {
            job.Dispose();
            throw;
        }
    }

    public async Task<IncomingMigration> PrepareIncomingAsync(string migrationId, string xml, MigrationSettings settings, MigrationFacts source, string listenAddress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(migrationId);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(source);
        if (!MigrationOutcomes.IsValidId(migrationId))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The migration id '{migrationId}' is not the lowercase UUID Begin returns.",
                new Dictionary<string, string> { ["migration"] = migrationId });
        }
        var definition = QemuDefinitions.Canonical(QemuDefinitions.Parse(xml, _options), _options).Definition;
        await PreflightAsync(definition, settings, cancellationToken).ConfigureAwait(false);
        if (settings.Offline)
        {
            var defined = await DefineDomainAsync(xml, cancellationToken).ConfigureAwait(false);
            await _outcomes.RecordAsync(migrationId, defined.Uuid, defined.Name, MigrationOutcome.RunningOnDestination).ConfigureAwait(false);
            MigrationLog.Phase(_logger, migrationId, definition.Name, "prepared offline:", "definition stored");
            return new IncomingMigration("", defined, _finishTimeout);
        }
        var job = await BeginAsync(definition.Uuid, definition.Name, "migrate in", defining: true, cancellationToken).ConfigureAwait(false);
        DomainSummary? launched = null;
        var recorded = false;
        try
        {
            var existing = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(definition.Uuid);
            if (existing is { IsActive: true })
            {
                throw Preflight(definition.Name, [$"domain '{existing.Name}' is already running on the destination"]);
            }
            // Before the paused copy exists: a virtd restarted at any instant from here removes it.
            SaveMigrationRecord(new MigrationRecord { Outgoing = false, Id = migrationId, Uuid = definition.Uuid, Name = definition.Name });
            recorded = true;
            launched = await LaunchAsync(definition, existing, startPaused: true, cancellationToken, incoming: true).ConfigureAwait(false);
            Update(definition.Uuid, latest => latest is { IsActive: true } ? latest with { Reason = PausedMigration } : latest, null);
            var host = listenAddress.Contains(':', StringComparison.Ordinal) ? $"[{listenAddress}]" : listenAddress;
            // QEMU announces the end of the load with a MIGRATION event (after it has left inmigrate), so Finish resumes
            // the guest when the stream has landed, not up to a poll later.
            await EnableMigrationEventsAsync(definition.Uuid, cancellationToken).ConfigureAwait(false);
            await ExecuteQmpAsync(definition.Uuid, "migrate-incoming", new JsonObject { ["uri"] = $"tcp:{host}:0" }, cancellationToken).ConfigureAwait(false);
            var port = await IncomingPortAsync(definition.Uuid, cancellationToken).ConfigureAwait(false);
            var incoming = new Incoming(migrationId, definition.Uuid, definition.Name, settings, xml, job);
            _incoming[migrationId] = incoming;
            RunIncomingJob(incoming);
            _ = Task.Run(async () =>
            {
                await Task.Delay(_finishTimeout, CancellationToken.None).ConfigureAwait(false);
                await FinishIncomingAsync(migrationId, cancelled: true, CancellationToken.None).ConfigureAwait(false);
            }, CancellationToken.None);
            var uri = $"tcp:{host}:{port}";
            MigrationLog.Phase(_logger, migrationId, definition.Name, "prepared: incoming on", uri);
            return new IncomingMigration(uri, Latest(launched), _finishTimeout);
        }
        catch
        {
            if (launched is not null && _running.TryGetValue(definition.Uuid, out var guest))
            {
                await KillAsync(guest, launched, graceful: false, CancellationToken.None).ConfigureAwait(false);
            }
            if (recorded)
            {
                DeleteMigrationRecord(definition.Uuid);
            }
            job.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The destination's own "migration in" job, from Prepare to Finish (libvirt's Incoming migration): domjobinfo
    /// shows it here, and domjobabort here gives up the incoming copy (Finish as cancelled: QEMU killed, the transient
    /// domain gone); the source's stream then fails and its Finish finds CANCELLED recorded, so it resumes the guest.
    /// </summary>
    private void RunIncomingJob(Incoming incoming)
    {
        var start = new JobStart(JobOperation.MigrationIn, $"incoming migration of {incoming.Name} ({incoming.Id})")
        {
            Domain = new JobDomain(incoming.Name, incoming.Uuid),
        };
        _jobs.Run(start, async handle =>
        {
            incoming.Handle = handle;
            using var abort = handle.CancellationToken.Register(() =>
                _ = Task.Run(() => FinishIncomingAsync(incoming.Id, cancelled: true, CancellationToken.None), CancellationToken.None));
            var outcome = await incoming.Ended.Task.ConfigureAwait(false);
            if (outcome != MigrationOutcome.RunningOnDestination)
            {
                throw new VirtException(VirtErrorReason.MigrationFailed, $"The incoming migration of domain '{incoming.Name}' was cancelled; nothing of it is left on this host.",
                    new Dictionary<string, string> { ["domain"] = incoming.Name, ["migration"] = incoming.Id });
            }
            return new JobResult { Domain = new JobDomain(incoming.Name, incoming.Uuid) };
        });
    }

    public async Task<MigrationStats> PerformOutgoingAsync(string migrationId, string incomingUri, IProgress<MigrationStats>? progress, CancellationToken cancellationToken)
    {
        var outgoing = OutgoingById(migrationId);
        if (outgoing.Settings.Offline)
        {
            return new MigrationStats { Phase = "completed" };
        }
        var current = Find(Volatile.Read(ref _snapshot), DomainRef.ByUuid(outgoing.Uuid));
        var guest = RequireGuest(current, "migrate");
        var tuning = Tuning(outgoing.Uuid);
        var parameters = new JsonObject
        {
            ["downtime-limit"] = outgoing.Settings.MaxDowntimeMs ?? tuning.DowntimeMs,
            ["max-bandwidth"] = BandwidthBytes(outgoing.Settings.MaxBandwidthMibS ?? tuning.SpeedMibS),
        };
        await ExecuteQmpAsync(outgoing.Uuid, "migrate-set-parameters", parameters, cancellationToken).ConfigureAwait(false);
        if (!outgoing.Settings.Live && current.State == DomainState.Running)
        {
            await ControlAsync(guest, current, ControlAction.Stop, cancellationToken).ConfigureAwait(false);
            outgoing.PausedBySelf = true;
        }
        var clock = Stopwatch.StartNew();
        MigrationLog.Phase(_logger, migrationId, outgoing.Name, "perform: streaming to", incomingUri);
        try
        {
            outgoing.Active = true;
            // Before QEMU streams: a restarted virtd cancels the stream and resumes the guest (Finish was not asked yet).
            SaveMigrationRecord(outgoing, OutgoingPhase.Perform);
            await EnableMigrationEventsAsync(outgoing.Uuid, cancellationToken).ConfigureAwait(false);
            await ExecuteQmpAsync(outgoing.Uuid, "migrate", new JsonObject { ["uri"] = incomingUri }, cancellationToken).ConfigureAwait(false);
            var lastReport = TimeSpan.Zero;
            var suspendedForTimeout = false;
            var info = await WatchMigrationAsync(outgoing.Uuid, guest, async (running, elapsed) =>
            {
                if (elapsed - lastReport >= _progressInterval)
                {
                    lastReport = elapsed;
                    progress?.Report(Stats(running, clock.Elapsed));
                }
                if (outgoing.Settings.Timeout is { } limit && elapsed > limit && !suspendedForTimeout && Latest(current).State == DomainState.Running)
                {
                    // virsh --timeout (--timeout-suspend): pause the guest so the last pass converges.
                    suspendedForTimeout = true;
                    outgoing.PausedBySelf = true;
                    SaveMigrationRecord(outgoing, OutgoingPhase.Perform);
                    await ControlAsync(guest, current, ControlAction.Stop, cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
            info = await CompletedTimesAsync(outgoing.Uuid, info, cancellationToken).ConfigureAwait(false);
            var stats = Stats(info, clock.Elapsed);
            if (stats.Phase != "completed")
            {
                var why = info?["error-desc"]?.GetValue<string>() ?? stats.Phase;
                throw new VirtException(VirtErrorReason.MigrationFailed, $"Migration of domain '{outgoing.Name}' failed: QEMU reported '{why}'; the domain keeps running on this host.",
                    new Dictionary<string, string> { ["domain"] = outgoing.Name });
            }
            outgoing.Completed = true;
            // From here Finish may resume the guest on the destination: a restarted virtd must ask it before resuming.
            SaveMigrationRecord(outgoing, OutgoingPhase.Performed);
            progress?.Report(stats);
            MigrationLog.Completed(_logger, migrationId, outgoing.Name, stats.Elapsed.TotalMilliseconds, stats.Downtime?.TotalMilliseconds ?? -1);
            return stats;
        }
        catch (Exception e) when (e is VirtException or OperationCanceledException)
        {
            MigrationLog.Failed(_logger, migrationId, outgoing.Name, "perform", e.Message);
            await CancelOutgoingStreamAsync(outgoing, current).ConfigureAwait(false);
            throw;
        }
        finally
        {
            outgoing.Active = false;
        }
    }

    public async Task<(MigrationOutcome Outcome, DomainSummary? Domain)> FinishIncomingAsync(string migrationId, bool cancelled, CancellationToken cancellationToken)
    {
        if (!_incoming.TryGetValue(migrationId, out var incoming))
        {
            return _outcomes.Find(migrationId) is { } recorded
                ? (recorded.Outcome, Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(recorded.Uuid))
                : throw new VirtException(VirtErrorReason.InvalidArgument, $"No migration with id '{migrationId}' was prepared on this host (or its outcome has expired).",
                    new Dictionary<string, string> { ["migration"] = migrationId });
        }
        await incoming.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_outcomes.Find(migrationId) is { } done)
            {
                return (done.Outcome, Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(done.Uuid));
            }
            var outcome = MigrationOutcome.Cancelled;
            if (!cancelled)
            {
                // From here the outcome belongs to Finish: an abort on this host no longer applies.
                incoming.Handle?.SetCancellable(false);
                SaveMigrationRecord(new MigrationRecord { Outgoing = false, Id = migrationId, Uuid = incoming.Uuid, Name = incoming.Name, Finishing = true });
                try
                {
                    await WaitIncomingCompletedAsync(incoming, cancellationToken).ConfigureAwait(false);
                    var current = Find(Volatile.Read(ref _snapshot), DomainRef.ByUuid(incoming.Uuid));
                    if (!incoming.Settings.Suspend)
                    {
                        await ControlAsync(RequireGuest(current, "resume"), current, ControlAction.Cont, CancellationToken.None, RunningMigrated).ConfigureAwait(false);
                        // The worker records the reason too (a restarted virtd reads it back); an older worker says unpaused.
                        Update(incoming.Uuid, latest => latest is { State: DomainState.Running } ? latest with { Reason = RunningMigrated } : latest, null);
                    }
                    outcome = MigrationOutcome.RunningOnDestination;
                }
                catch (Exception e) when (e is VirtException or OperationCanceledException)
                {
                    MigrationLog.Failed(_logger, migrationId, incoming.Name, "finish", e.Message);
                }
            }
            if (outcome == MigrationOutcome.Cancelled && Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(incoming.Uuid) is { IsActive: true } copy
                && _running.TryGetValue(incoming.Uuid, out var guest))
            {
                await KillAsync(guest, copy, graceful: false, CancellationToken.None).ConfigureAwait(false);
            }
            // Durable before the record goes and before Finish answers: from here a restart of this virtd still knows it.
            await _outcomes.RecordAsync(migrationId, incoming.Uuid, incoming.Name, outcome).ConfigureAwait(false);
            DeleteMigrationRecord(incoming.Uuid);
            _incoming.TryRemove(migrationId, out _);
            incoming.Job.Dispose();
            incoming.Ended.TrySetResult(outcome);
            if (outcome == MigrationOutcome.RunningOnDestination && incoming.Settings.Persistent)
            {
                await DefineDomainAsync(incoming.Xml, CancellationToken.None).ConfigureAwait(false);
            }
            MigrationLog.Outcome(_logger, migrationId, incoming.Name, "finish:", outcome);
            return (outcome, Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(incoming.Uuid));
        }
        finally
        {
            incoming.Gate.Release();
        }
    }

    public async Task<DomainSummary> ConfirmOutgoingAsync(string migrationId, MigrationOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome == MigrationOutcome.Unspecified)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "Confirm needs the outcome Finish recorded (RUNNING_ON_DESTINATION or CANCELLED).");
        }
        if (!_outgoing.TryRemove(migrationId, out var outgoing))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"No migration with id '{migrationId}' is running from this host.",
                new Dictionary<string, string> { ["migration"] = migrationId });
        }
        var undefine = false;
        SaveMigrationRecord(outgoing, OutgoingPhase.Confirm, outcome);
        try
        {
            var current = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(outgoing.Uuid);
            if (outcome == MigrationOutcome.RunningOnDestination)
            {
                if (!outgoing.Settings.Offline && current is { IsActive: true } && _running.TryGetValue(outgoing.Uuid, out var guest))
                {
                    guest.MigratedAway = true;
                    await KillAsync(guest, current, graceful: false, CancellationToken.None).ConfigureAwait(false);
                }
                undefine = outgoing.Settings.UndefineSource && outgoing.WasPersistent;
            }
            else if (current is { IsActive: true, State: DomainState.Paused } && _running.TryGetValue(outgoing.Uuid, out var guest)
                && (outgoing.WasRunning || outgoing.PausedBySelf) && !outgoing.Settings.Offline)
            {
                await ControlAsync(guest, current, ControlAction.Cont, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!outgoing.Settings.Offline)
            {
                DeleteMigrationRecord(outgoing.Uuid);
            }
            outgoing.Job.Dispose();
        }
        MigrationLog.Outcome(_logger, migrationId, outgoing.Name, "confirm:", outcome);
        if (undefine && Volatile.Read(ref _snapshot).ByUuid.ContainsKey(outgoing.Uuid))
        {
            var undefined = await UndefineDomainAsync(DomainRef.ByUuid(outgoing.Uuid), CancellationToken.None).ConfigureAwait(false);
            return undefined with { State = DomainState.NoState };
        }
        return Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(outgoing.Uuid)
            ?? new DomainSummary { Definition = new DomainDefinition { Name = outgoing.Name, Uuid = outgoing.Uuid }, State = DomainState.NoState };
    }

    public Task<ulong> GetMaxDowntimeAsync(DomainRef domain, CancellationToken cancellationToken) =>
        Task.FromResult(Tuning(Find(Volatile.Read(ref _snapshot), domain).Uuid).DowntimeMs);

    public async Task SetMaxDowntimeAsync(DomainRef domain, ulong milliseconds, CancellationToken cancellationToken)
    {
        var current = Find(Volatile.Read(ref _snapshot), domain);
        RequireActiveForTuning(current, "set the maximum migration downtime of");
        if (milliseconds is 0 or > 2_000_000)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The maximum downtime must be between 1 and 2000000 ms, not {milliseconds}.",
                new Dictionary<string, string> { ["domain"] = current.Name });
        }
        _tuning.AddOrUpdate(current.Uuid, (milliseconds, 0), (_, t) => (milliseconds, t.SpeedMibS));
        await ApplyToRunningMigrationAsync(current, new JsonObject { ["downtime-limit"] = milliseconds }, cancellationToken).ConfigureAwait(false);
    }

    public Task<ulong> GetMaxSpeedAsync(DomainRef domain, CancellationToken cancellationToken) =>
        Task.FromResult(Tuning(Find(Volatile.Read(ref _snapshot), domain).Uuid).SpeedMibS);

    public async Task SetMaxSpeedAsync(DomainRef domain, ulong mebibytesPerSecond, CancellationToken cancellationToken)
    {
        var current = Find(Volatile.Read(ref _snapshot), domain);
        if (mebibytesPerSecond > 8796093022207UL)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The bandwidth must be at most 8796093022207 MiB/s, not {mebibytesPerSecond}.",
                new Dictionary<string, string> { ["domain"] = current.Name });
        }
        _tuning.AddOrUpdate(current.Uuid, (DefaultMaxDowntimeMs, mebibytesPerSecond), (_, t) => (t.DowntimeMs, mebibytesPerSecond));
        await ApplyToRunningMigrationAsync(current, new JsonObject { ["max-bandwidth"] = BandwidthBytes(mebibytesPerSecond) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every destination check at once (MIGRATION.md, "Pre-flight"), one sentence each.</summary>
    private async Task PreflightAsync(DomainDefinition definition, MigrationSettings settings, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.ByUuid.TryGetValue(definition.Uuid, out var sameUuid))
        {
            if (sameUuid.Name != definition.Name)
            {
                problems.Add($"A different domain '{sameUuid.Name}' has UUID {definition.Uuid} on the destination.");
            }
            else if (sameUuid.IsActive)
            {
                problems.Add($"Domain '{definition.Name}' is already running on the destination.");
            }
        }
        if (snapshot.ByName.TryGetValue(definition.Name, out var sameName) && sameName.Uuid != definition.Uuid)
        {
            problems.Add($"A different domain named '{definition.Name}' (UUID {sameName.Uuid}) exists on the destination.");
        }
        if (!settings.Offline)
        {
            QemuCapabilities? capabilities = null;
            var emulator = definition.Devices.Emulator ?? _options.Emulator;
            try
            {
                capabilities = await _capabilities.GetAsync(emulator, cancellationToken).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                problems.Add($"The emulator '{emulator}' is not installed on the destination.");
            }
            if (capabilities is not null && definition.Os.Machine is { Length: > 0 } machine && capabilities.FindMachine(machine) is null)
            {
                problems.Add($"Machine type '{machine}' is not available on the destination (its QEMU offers {string.Join(", ", capabilities.Machines.Take(6).Select(m => m.Name))}, …).");
            }
            if (definition.Cpu is { } cpu)
            {
                if (cpu.Mode is null or CpuMode.Custom && cpu.Model?.Name is { } model && capabilities is not null && capabilities.FindCpuModel(model) is null)
                {
                    problems.Add($"CPU model '{model}' is not available on the destination's QEMU.");
                }
                if (cpu.Mode == CpuMode.HostPassthrough && cpu.Migratable == false)
                {
                    problems.Add("The guest CPU is host-passthrough with migratable='off', which cannot be moved to another host.");
                }
            }
            foreach (var disk in definition.Devices.Disks)
            {
                var path = disk.Type switch { DiskType.File => disk.Source?.File, DiskType.Block => disk.Source?.Dev, _ => null };
                if (path is not null && !File.Exists(path))
                {
                    problems.Add($"Disk {disk.Target.Dev}: '{path}' is not reachable on the destination (migration needs shared storage).");
                }
            }
            foreach (var (path, what) in new[] { (definition.Os.Kernel, "kernel"), (definition.Os.Initrd, "initrd") })
            {
                if (path is not null && !File.Exists(path))
                {
                    problems.Add($"The {what} '{path}' is not reachable on the destination.");
                }
            }
            if (definition.Devices.Hostdevs.Count > 0)
            {
                problems.Add($"The guest has {definition.Devices.Hostdevs.Count} host device(s) (<hostdev>), which are not migratable.");
            }
            if (definition.Devices.Filesystems.Count > 0)
            {
                problems.Add($"The guest has {definition.Devices.Filesystems.Count} shared host filesystem(s) (<filesystem>), which are not migratable.");
            }
        }
        if (problems.Count > 0)
        {
            throw Preflight(definition.Name, problems);
        }
    }

    private static VirtException Preflight(string name, List<string> problems) =>
        new(VirtErrorReason.MigrationPreflight, $"Cannot migrate domain '{name}': {string.Join(" ", problems)}",
            new Dictionary<string, string> { ["domain"] = name, ["checks"] = problems.Count.ToString(CultureInfo.InvariantCulture) });

    /// <summary>The port QEMU bound for "tcp:ADDR:0", from query-migrate's socket-address.</summary>
    private async Task<string> IncomingPortAsync(Guid uuid, CancellationToken cancellationToken)
    {
        var info = await ExecuteQmpAsync(uuid, "query-migrate", null, cancellationToken).ConfigureAwait(false);
        if (info?["socket-address"] is JsonArray { Count: > 0 } addresses && addresses[0]?["port"]?.ToString() is { Length: > 0 } port && port != "0")
        {
            return port;
        }
        throw new VirtException(VirtErrorReason.HypervisorError, "The destination QEMU did not report the port it listens on for the incoming migration.");
    }

    /// <summary>
    /// Finish: the incoming stream must have ended well (QEMU left "inmigrate") before the guest may run here; Finish
    /// usually arrives while QEMU is still loading the last pass (the source reports completed once it has sent it),
    /// and QEMU's MIGRATION event (Prepare turned the events on) ends the wait (<see cref="WaitIncomingLandedAsync"/>).
    /// </summary>
    private async Task WaitIncomingCompletedAsync(Incoming incoming, CancellationToken cancellationToken)
    {
        var (wokenBy, waited) = await WaitIncomingLandedAsync(incoming.Uuid, state => new VirtException(VirtErrorReason.MigrationFailed,
            $"The incoming stream of domain '{incoming.Name}' did not complete on the destination (QEMU is still '{state}')."), cancellationToken).ConfigureAwait(false);
        if (wokenBy is not null)
        {
            MigrationLog.FinishWaited(_logger, incoming.Id, incoming.Name, waited.TotalMilliseconds, wokenBy);
        }
    }

    /// <summary>
    /// QEMU 7.2 says "completed" (and sends its MIGRATION event) a moment before its migration thread fills in
    /// total-time and downtime (DESIGN.md, "QEMU 7.2 facts"): a read in between answers 0 ms for both, which the
    /// job's final statistics (domjobinfo --completed, vsh --json migrate) then reported. Read again, a millisecond
    /// apart, until they are there (a few tries at most; after 50 the answer is kept as it is).
    /// </summary>
    private async Task<JsonObject?> CompletedTimesAsync(Guid uuid, JsonObject? info, CancellationToken cancellationToken)
    {
        static bool Filled(JsonObject? answer) =>
            answer?["total-time"] is JsonValue total && total.TryGetValue<long>(out var ms) && ms > 0 && answer["downtime"] is JsonValue;
        for (var tries = 0; info?["status"]?.GetValue<string>() == "completed" && !Filled(info) && tries < 50; tries++)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            info = await ExecuteQmpAsync(uuid, "query-migrate", null, cancellationToken).ConfigureAwait(false) as JsonObject ?? info;
        }
        return info;
    }

    /// <summary>Perform failed or was cancelled: stop QEMU's stream and give the guest back its vCPUs if it ran.</summary>
    private async Task CancelOutgoingStreamAsync(Outgoing outgoing, DomainSummary current)
    {
        try
        {
            await ExecuteQmpAsync(outgoing.Uuid, "migrate_cancel", null, CancellationToken.None).ConfigureAwait(false);
            if (_running.TryGetValue(outgoing.Uuid, out var streaming))
            {
                await WatchMigrationAsync(outgoing.Uuid, streaming, null, CancellationToken.None, done: status => !IsMigrationActive(status), limit: TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            var latest = Latest(current);
            if (latest is { IsActive: true, State: DomainState.Paused } && (outgoing.WasRunning || outgoing.PausedBySelf) && _running.TryGetValue(outgoing.Uuid, out var guest))
            {
                await ControlAsync(guest, latest, ControlAction.Cont, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (VirtException e)
        {
            MigrationLog.Failed(_logger, outgoing.Id, outgoing.Name, "cancel", e.Message);
        }
    }

    private async Task ApplyToRunningMigrationAsync(DomainSummary current, JsonObject parameters, CancellationToken cancellationToken)
    {
        if (_outgoing.Values.Any(o => o.Uuid == current.Uuid && o.Active))
        {
            await ExecuteQmpAsync(current.Uuid, "migrate-set-parameters", parameters, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void RequireActiveForTuning(DomainSummary current, string operation)
    {
        // libvirt's QEMU driver refuses these on an inactive domain ("domain is not running").
        if (!current.IsActive)
        {
            throw VirtException.OperationInvalid(current.Name, operation, current.State, "domain is not running");
        }
    }

    private (ulong DowntimeMs, ulong SpeedMibS) Tuning(Guid uuid) => _tuning.TryGetValue(uuid, out var t) ? t : (DefaultMaxDowntimeMs, 0);

    private static ulong BandwidthBytes(ulong mibS) => mibS == 0 ? UnlimitedBandwidthBytes : mibS * 1024 * 1024;

    private Outgoing OutgoingById(string id) => _outgoing.TryGetValue(id, out var outgoing) ? outgoing
        : throw new VirtException(VirtErrorReason.InvalidArgument, $"No migration with id '{id}' is running from this host.", new Dictionary<string, string> { ["migration"] = id });

    /// <summary>query-migrate's answer as libvirt's job statistics.</summary>
    private static MigrationStats Stats(JsonObject? info, TimeSpan elapsed)
    {
        static ulong? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) && n >= 0 ? (ulong)n : null;
        var ram = info?["ram"];
        return new MigrationStats
        {
            Phase = info?["status"]?.GetValue<string>() ?? "setup",
            Elapsed = Number(info?["total-time"]) is { } total ? TimeSpan.FromMilliseconds(total) : elapsed,
            Downtime = Number(info?["downtime"] ?? info?["expected-downtime"]) is { } down ? TimeSpan.FromMilliseconds(down) : null,
            SetupTime = Number(info?["setup-time"]) is { } setup ? TimeSpan.FromMilliseconds(setup) : null,
            DataTotal = Number(ram?["total"]),
            DataProcessed = Number(ram?["transferred"]),
            DataRemaining = Number(ram?["remaining"]),
            MemoryBytesPerSecond = Number(ram?["mbps"]) is { } mbps ? mbps * 1_000_000 / 8 : null,
            DirtyRatePagesPerSecond = Number(ram?["dirty-pages-rate"]),
            Iterations = Number(ram?["dirty-sync-count"]),
        };
    }

    /// <summary>Source side of one migration, from Begin to Confirm; holds the domain's gate.</summary>
    private sealed class Outgoing(string id, Guid uuid, string name, MigrationSettings settings, bool wasRunning, bool wasPersistent, IDisposable job)
    {
        public string Id { get; } = id;

        public Guid Uuid { get; } = uuid;

        public string Name { get; } = name;

        public MigrationSettings Settings { get; } = settings;

        public bool WasRunning { get; } = wasRunning;

        public bool WasPersistent { get; } = wasPersistent;

        public IDisposable Job { get; } = job;

        public bool PausedBySelf { get; set; }

        public bool Active { get; set; }

        public bool Completed { get; set; }
    }

    /// <summary>Destination side of one migration, from Prepare to Finish; holds the incoming domain's gate.</summary>
    private sealed class Incoming(string id, Guid uuid, string name, MigrationSettings settings, string xml, IDisposable job)
    {
        public string Id { get; } = id;

        public Guid Uuid { get; } = uuid;

        public string Name { get; } = name;

        public MigrationSettings Settings { get; } = settings;

        public string Xml { get; } = xml;

        public IDisposable Job { get; } = job;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>This host's "migration in" job, once the registry runs it.</summary>
        public JobHandle? Handle { get; set; }

        /// <summary>Finish's outcome; the job ends with it.</summary>
        public TaskCompletionSource<MigrationOutcome> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
