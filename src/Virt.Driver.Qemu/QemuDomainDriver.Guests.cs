using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Qemu.Capabilities;
using Virt.Qemu.CommandLine;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// Running guests: launching a worker, applying its events, reconnecting to workers after a restart of virtd, and
/// noticing workers that are gone. The worker is the authority on the guest's state; virtd commits what it reports,
/// in sequence order, and a job that caused a change waits until the change is committed before it returns.
/// </summary>
public sealed partial class QemuDomainDriver
{
    // Long enough for a start's reply to reach its client, short against anything a guest does after its start.
    private static readonly TimeSpan _pumpDelayAfterStart = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Runs any QMP command on a running domain's QEMU through its worker (the worker protocol's passthrough) and
    /// returns QEMU's <c>return</c> value. For features built on QMP in this driver (balloon, vCPU pinning,
    /// statistics); the caller holds whatever job the feature needs. <c>attachFile</c>: a file the worker opens for
    /// appending and passes to QEMU with the command (getfd), or null. QEMU's refusal is
    /// <see cref="VirtErrorReason.HypervisorError"/> with the QMP error class in the metadata (<c>qmpClass</c>).
    /// </summary>
    internal async Task<JsonNode?> ExecuteQmpAsync(Guid uuid, string command, JsonObject? arguments, CancellationToken cancellationToken, string? attachFile = null)
    {
        var (name, reply) = await QmpReplyAsync(uuid, command, arguments, cancellationToken, attachFile).ConfigureAwait(false);
        if (reply.ResultCase == QmpReply.ResultOneofCase.Error)
        {
            throw new VirtException(VirtErrorReason.HypervisorError, $"QEMU refused '{command}' for domain '{name}': {reply.Error.Message}",
                new Dictionary<string, string> { ["domain"] = name, ["command"] = command, ["qmpClass"] = reply.Error.QmpClass });
        }
        return JsonNode.Parse(reply.ReturnJson);
    }

    /// <summary>QEMU's answer to one command, a refusal included, with the domain's name.</summary>
    private async Task<(string Name, QmpReply Reply)> QmpReplyAsync(Guid uuid, string command, JsonObject? arguments, CancellationToken cancellationToken, string? attachFile = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        var current = Find(Volatile.Read(ref _snapshot), DomainRef.ByUuid(uuid));
        var guest = RequireGuest(current, $"run '{command}' on");
        using var monitor = guest.EnterMonitor();
        var response = await CallAsync(guest, current.Name, new WorkerRequest
        {
            Qmp = new QmpRequest { Command = command, ArgumentsJson = arguments?.ToJsonString() ?? "", AttachFile = attachFile ?? "" },
        }, cancellationToken).ConfigureAwait(false);
        return response.KindCase == WorkerResponse.KindOneofCase.Qmp
            ? (current.Name, response.Qmp)
            : throw new VirtException(VirtErrorReason.Internal, $"The VMM worker of domain '{current.Name}' answered a QMP call with {response.KindCase}.");
    }

    private RunningGuest RequireGuest(DomainSummary current, string operation) =>
        current.IsActive && _running.TryGetValue(current.Uuid, out var guest)
            ? guest
            : throw VirtException.OperationInvalid(current.Name, operation, current.State, "domain is not running");

    /// <summary>One worker call; a worker error becomes the matching <see cref="VirtException"/>.</summary>
    private static async Task<WorkerResponse> CallAsync(RunningGuest guest, string name, WorkerRequest request, CancellationToken cancellationToken)
    {
        WorkerResponse response;
        try
        {
            response = await VmmClient.CallAsync(guest.Paths.ControlSocket, request, cancellationToken).ConfigureAwait(false);
        }
        catch (VmmUnreachableException e)
        {
            throw new VirtException(VirtErrorReason.VmmUnreachable, $"The VMM worker of domain '{name}' does not answer: {e.Message}",
                new Dictionary<string, string> { ["domain"] = name }, e);
        }
        if (response.KindCase == WorkerResponse.KindOneofCase.Error)
        {
            var error = response.Error;
            var reason = error.Code switch
            {
                WorkerErrorCode.InvalidState => VirtErrorReason.OperationInvalid,
                WorkerErrorCode.Timeout => VirtErrorReason.OperationTimeout,
                WorkerErrorCode.ConsoleBusy => VirtErrorReason.ConsoleBusy,
                WorkerErrorCode.Unsupported => VirtErrorReason.OperationUnsupported,
                WorkerErrorCode.InvalidArgument => VirtErrorReason.InvalidArgument,
                _ => VirtErrorReason.HypervisorError,
            };
            throw new VirtException(reason, $"Domain '{name}': {error.Message}.", new Dictionary<string, string> { ["domain"] = name });
        }
        return response;
    }

    /// <summary>The capabilities of the definition's emulator (or the driver's), or a typed error naming a missing binary.</summary>
    private async Task<QemuCapabilities> CapabilitiesForAsync(DomainDefinition definition, string operation, CancellationToken cancellationToken)
    {
        var emulator = definition.Devices.Emulator ?? _options.Emulator;
        try
        {
            return await _capabilities.GetAsync(emulator, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Cannot {operation} domain '{definition.Name}': {e.Message}",
                new Dictionary<string, string> { ["domain"] = definition.Name, ["path"] = emulator, ["element"] = "/domain/devices/emulator" }, e);
        }
    }

    /// <summary>QEMU's environment for a guest: libvirt's, with HOME in the guest's directory (QemuEnvironment).</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> QemuEnvironmentOf(GuestPaths paths) =>
        QemuEnvironment.Build(paths.GuestDirectory, Environment.GetEnvironmentVariable);

    /// <summary>Starts QEMU through a new worker and commits the running domain (PrepareHost, Launch, FinishStartup).</summary>
    private async Task<DomainSummary> LaunchAsync(DomainDefinition definition, DomainSummary? existing, bool startPaused, CancellationToken cancellationToken, bool incoming = false,
        SaveImage? restoreFrom = null)
    {
        GuestPreparation.CheckHostFiles(definition);
        await PreviousRunReleasedAsync(definition.Uuid, cancellationToken).ConfigureAwait(false);
        using var vcpus = ReserveVcpus(definition);
        // Held to the end of the launch: by then a started guest's taps exist and QEMU has bound its display ports, and a
        // failed one's are gone. The definition QEMU runs names them both (the live definition).
        using var taps = _taps.Reserve(definition);
        using var displays = _displays.Reserve(taps.Definition);
        var run = displays.Definition;
        var capabilities = await CapabilitiesForAsync(definition, "start", cancellationToken).ConfigureAwait(false);
        var paths = new GuestPaths(definition.Uuid, _options);
        Directory.CreateDirectory(_options.GuestRunDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(_options.LogDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var volumes = await VolumeLeases.AcquireAsync(_options.Volumes, definition, cancellationToken).ConfigureAwait(false);
        var host = new QemuHostContext
        {
            KvmUsable = _options.KvmUsable,
            MonitorSocketPath = paths.QmpSocket,
            GuestDirectory = paths.GuestDirectory,
            Volumes = volumes.Resolved,
            GraphicsPorts = displays.Ports,
        };
        IReadOnlyList<string> argv;
        try
        {
            argv = GuestPreparation.BuildArgv(GuestPreparation.WithWorkerConsole(run, paths), capabilities, host, "start");
            if (incoming)
            {
                // A migration's destination (MIGRATION.md): QEMU waits for migrate-incoming, which virtd sends once
                // the domain is committed.
                argv = [.. argv, "-incoming", "defer"];
            }
            GuestPreparation.CheckSocketPaths(definition.Name, paths, argv);
        }
        catch
        {
            volumes.Dispose();
            throw;
        }
        // The guest's own directory only when its devices put sockets there (a screenshot makes it when it needs it): a
        // new directory is a new inode, which cost 0.4 ms of every start on the run directory's ext4 (tools/bench/README.md).
        var guestDirectory = paths.GuestDirectory.Replace(",", ",,", StringComparison.Ordinal);
        if (argv.Any(a => a.Contains(guestDirectory, StringComparison.Ordinal)))
        {
            CreateGuestDirectory(paths);
        }
        var id = Interlocked.Increment(ref _nextId);
        var live = run with { Id = id };
        // The live definition is on disk before the worker exists: a virtd restarted at any instant finds it.
        await _liveDefinitions.SaveAsync(paths.LiveDefinitionName, DomainXml.Format(live), CancellationToken.None).ConfigureAwait(false);
        // A mark left by a run whose clean-up failed would make this run's first outside SIGTERM a destroy (and the
        // next virtd destroy this run).
        DestroyMark.Clear(paths.StateFile);
        File.Delete(paths.AutodestroyMark);
        var spec = new LaunchSpec
        {
            DomainUuid = definition.Uuid.ToString("D"),
            DomainName = definition.Name,
            DomainId = id,
            QmpSocket = paths.QmpSocket,
            ConsoleSocket = definition.Devices.Serials.Count > 0 ? paths.ConsoleSocket : "",
            ConsoleAlias = definition.Devices.Serials.Count > 0 ? GuestPreparation.ConsoleAlias : "",
            ControlSocket = paths.ControlSocket,
            StateFile = paths.StateFile,
            LogFile = paths.LogFile,
            StartPaused = startPaused,
            OnPoweroff = DomainXmlNames.LifecycleAction.ToXml(definition.OnPoweroff),
            OnReboot = DomainXmlNames.LifecycleAction.ToXml(definition.OnReboot),
            OnCrash = DomainXmlNames.LifecycleAction.ToXml(definition.OnCrash),
            QmpTimeoutSeconds = (uint)Math.Ceiling(_options.QmpTimeout.TotalSeconds),
            LingerSeconds = (uint)Math.Ceiling(_options.WorkerLinger.TotalSeconds),
            IncomingFile = restoreFrom?.Path ?? "",
            IncomingOffset = (ulong)(restoreFrom?.StreamOffset ?? 0),
        };
        spec.Argv.AddRange(argv);
        spec.Environment.AddRange(QemuEnvironmentOf(paths).Select(v => v.Key + "=" + v.Value));
        spec.Taps.AddRange(taps.Taps);
        LaunchResult launched;
        System.Diagnostics.Process worker;
        try
        {
            (launched, worker) = await VmmLauncher.LaunchAsync(_spareWorker, VmmBinary, spec, _options.QmpTimeout + TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            volumes.Dispose();
            RemoveGuestFiles(paths);
            throw;
        }
        var status = launched.Status;
        var guest = new RunningGuest(definition.Uuid, paths, worker) { Volumes = volumes, IncomingStarted = launched.IncomingStarted };
        _running[definition.Uuid] = guest;
        var persistent = existing?.Persistent == true ? existing.Definition : null;
        Update(definition.Uuid, _ => new DomainSummary
        {
            Definition = live,
            InactiveDefinition = persistent is null || persistent == run ? null : persistent,
            Persistent = persistent is not null,
            Autostart = existing?.Autostart ?? false,
            Id = id,
            State = (DomainState)status.State,
            Reason = status.Reason,
        }, null);
        QemuDriverLog.Started(_logger, definition.Name, definition.Uuid, id, status.QemuPid, status.WorkerPid);
        // The start's own events (Started, and Suspended for --paused) are committed before the call returns: the
        // worker sends them with its answer, so no subscribe round trip is on the start's path; the pump follows on
        // from the last of them (and waits for them itself, from an older worker that does not send them).
        foreach (var recorded in launched.Events)
        {
            Apply(guest, recorded);
        }
        // A plain start's pump subscribes a little later: its connect, the worker's accept and the call otherwise ran
        // beside this call's reply on the same CPUs (0.25-0.3 ms of the reply, tools/bench/README.md). Nothing is lost:
        // the worker keeps every event and the pump asks for those after the last one applied. A restore and a
        // migration's destination wait for QEMU's events through the pump, so theirs starts at once.
        var pumpDelay = incoming || restoreFrom is not null ? TimeSpan.Zero : _pumpDelayAfterStart;
        guest.Pump = Task.Run(async () =>
        {
            await Task.Delay(pumpDelay).ConfigureAwait(false);
            HoldQemu(guest, status);
            await PumpAsync(guest, definition.Name).ConfigureAwait(false);
        }, CancellationToken.None);
        await guest.WaitAppliedAsync(status.Sequence, cancellationToken).ConfigureAwait(false);
        var started = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(definition.Uuid) ?? throw VirtException.DomainNotFound(DomainRef.ByUuid(definition.Uuid));
        try
        {
            await ApplyStartupTuningAsync(started, cancellationToken).ConfigureAwait(false);
        }
        catch (VirtException)
        {
            // A guest that cannot be pinned or ballooned as defined does not stay up (libvirt fails the start too).
            await KillAsync(guest, started, graceful: false, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return started;
    }

    /// <summary>
    /// Opens QEMU's pidfd for destroys (<see cref="RunningGuest.HoldQemu"/>) when the worker records them from the destroy
    /// mark; off the start's path (with the event pump, 10 ms after the answer): three syscalls and a /proc read.
    /// </summary>
    private static void HoldQemu(RunningGuest guest, WorkerStatus status)
    {
        if (status.DestroyMark && PidFd.OpenChildOf(status.QemuPid, status.WorkerPid) is { } qemu)
        {
            guest.HoldQemu(qemu);
        }
    }

    private static void CreateGuestDirectory(GuestPaths paths) =>
        Directory.CreateDirectory(paths.GuestDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    private string VmmBinary => _options.VmmBinary ?? Path.Combine(AppContext.BaseDirectory, "virt-vmm");

    /// <summary>Follows a worker's events until its guest stops; a worker that goes away is handled as gone.</summary>
    private async Task PumpAsync(RunningGuest guest, string name)
    {
        var token = guest.PumpStop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var (response, stream) = await VmmClient.OpenAsync(guest.Paths.ControlSocket,
                    new WorkerRequest { Subscribe = new SubscribeRequest { AfterSequence = guest.Applied } }, token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    while (await WorkerWire.ReadAsync(stream, WorkerEvent.Parser, token).ConfigureAwait(false) is { } recorded)
                    {
                        Apply(guest, recorded);
                        PublishMonitorEvent(guest, recorded);
                        if (recorded.State == GuestStates.Shutoff)
                        {
                            return;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or SocketException)
            {
                QemuDriverLog.WorkerStreamLost(_logger, name, guest.Uuid, e.Message);
            }
            // The stream ended before the guest stopped: the worker died, or is about to.
            try
            {
                var status = await VmmClient.CallAsync(guest.Paths.ControlSocket, new WorkerRequest { Status = new StatusRequest() }, token).ConfigureAwait(false);
                if (status.KindCase == WorkerResponse.KindOneofCase.Status)
                {
                    continue;
                }
            }
            catch (VmmUnreachableException)
            {
                // Gone.
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            WorkerGone(guest, name);
            return;
        }
    }

    /// <summary>Commits one worker event: the state it left the guest in, and libvirt's lifecycle event if there is one.</summary>
    private void Apply(RunningGuest guest, WorkerEvent recorded)
    {
        lock (guest.ApplyGate)
        {
            ApplyLocked(guest, recorded);
        }
    }

    // fromKillAnswer: the event is a destroy's exit taken from the worker's answer to the kill, ahead of the worker's
    // event stream (CommitKilled).
    private void ApplyLocked(RunningGuest guest, WorkerEvent recorded, bool fromKillAnswer = false)
    {
        if (recorded.Sequence <= guest.Applied)
        {
            return;
        }
        if (guest.StopClaimed)
        {
            // A destroy committed the exit from QEMU's pidfd, ahead of the events still on their way from the worker:
            // they describe the run that has ended, and their lifecycle events would come after its Stopped.
            guest.MarkApplied(recorded.Sequence);
            return;
        }
        if (recorded.State == GuestStates.Shutoff)
        {
            CommitStopped(guest, recorded.Reason, recorded.LifecycleType, recorded.LifecycleDetail, releaseAfter: fromKillAnswer ? guest.Pump : null);
            guest.MarkApplied(recorded.Sequence);
            return;
        }
        Update(guest.Uuid,
            latest => latest is null || !latest.IsActive ? latest : latest with { State = (DomainState)recorded.State, Reason = recorded.Reason },
            latest => recorded.LifecycleType == GuestStates.NoEvent ? null
                : new DomainLifecycleEvent(latest.Name, guest.Uuid, (DomainEventType)recorded.LifecycleType, recorded.LifecycleDetail));
        guest.MarkApplied(recorded.Sequence);
        if (recorded.Name == "MIGRATION")
        {
            guest.MarkMigrationEvent();
        }
    }

    /// <summary>
    /// The guest is shut off: commit it (a transient domain goes away), then let the worker go and tidy up, at once or,
    /// with <paramref name="releaseAfter"/>, once that has ended. A destroy commits from the kill's answer while the
    /// worker still has its exit event to send (at idle priority, after rewriting its state file), which ends the event
    /// pump: released after the pump, the release's round trip (virtd's connect and request, the worker's accept and
    /// answer, virtd's read) no longer runs ahead of the destroy's reply and vsh's prompt, as the work item queued here
    /// at once did, on the same CPU (tools/bench/README.md). A worker that dies instead ends the pump too, so the
    /// release still comes.
    /// </summary>
    private void CommitStopped(RunningGuest guest, int reason, int lifecycleType, int lifecycleDetail, Task? releaseAfter = null)
    {
        if (!guest.TryClaimStop())
        {
            return;
        }
        if (guest.MigratedAway)
        {
            // The destination owns the guest now: libvirt's shut off (migrated), Stopped Migrated.
            (reason, lifecycleType, lifecycleDetail) = (ShutoffMigrated, GuestStates.EventStopped, StoppedMigrated);
        }
        else if (guest.SavedAway)
        {
            // The guest lives in its save image now: libvirt's shut off (saved), Stopped Saved.
            (reason, lifecycleType, lifecycleDetail) = (ShutoffSaved, GuestStates.EventStopped, StoppedSaved);
        }
        var before = Update(guest.Uuid,
            latest => latest is null ? null : StoppedSummary(latest, reason),
            latest => lifecycleType == GuestStates.NoEvent ? null : new DomainLifecycleEvent(latest.Name, guest.Uuid, (DomainEventType)lifecycleType, lifecycleDetail),
            returnLatest: true);
        _running.TryRemove(guest.Uuid, out _);
        guest.Volumes.Dispose();
        guest.MarkStopped();
        QemuDriverLog.Stopped(_logger, before?.Name ?? "?", guest.Uuid, reason);
        TrackRelease(guest, releaseAfter is null
            ? Task.Run(() => ReleaseWorkerAsync(guest), CancellationToken.None)
            : releaseAfter.ContinueWith(_ => ReleaseWorkerAsync(guest), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap());
    }

    /// <summary>
    /// A stopped guest's worker is released and its run files removed after the stop is answered; the files are named by
    /// UUID, so the next run of the same domain must not bind its sockets and write its live definition before that
    /// clean-up is over, or the clean-up removes the new run's files (a start right after a destroy, with a spare worker
    /// ready, got there first: QEMU's monitor socket was unlinked under the new worker).
    /// </summary>
    private void TrackRelease(RunningGuest guest, Task release)
    {
        _releases[guest.Uuid] = release;
        _ = release.ContinueWith(done => _releases.TryRemove(new KeyValuePair<Guid, Task>(guest.Uuid, done)), TaskScheduler.Default);
    }

    private async Task PreviousRunReleasedAsync(Guid uuid, CancellationToken cancellationToken)
    {
        if (_releases.TryGetValue(uuid, out var release))
        {
            await release.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static DomainSummary? StoppedSummary(DomainSummary latest, int reason) =>
        !latest.Persistent ? null : latest with
        {
            Definition = (latest.InactiveDefinition ?? latest.Definition) with { Id = null },
            InactiveDefinition = null,
            Id = -1,
            State = DomainState.Shutoff,
            Reason = reason,
            CpuTimeNs = 0,
        };

    private async Task ReleaseWorkerAsync(RunningGuest guest)
    {
        var released = false;
        try
        {
            await VmmClient.CallAsync(guest.Paths.ControlSocket, new WorkerRequest { Release = new ReleaseRequest() }, CancellationToken.None).ConfigureAwait(false);
            released = true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SocketException or OperationCanceledException)
        {
            // A worker that is gone has nothing to release; its files are removed below.
        }
        if (guest.Worker is { } worker)
        {
            // Our child: reap it now rather than leave a zombie.
            await worker.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => worker.Dispose(), TaskScheduler.Default).ConfigureAwait(false);
        }
        else if (released)
        {
            // Another virtd's child: a released worker removes its control socket, then its state file, then exits.
            // Wait for the last of those (bounded), so that it removes nothing of the domain's next run.
            for (var waited = 0; waited < 5_000 && File.Exists(guest.Paths.StateFile); waited += 10)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }
        }
        RemoveGuestFiles(guest.Paths);
    }

    private void RemoveGuestFiles(GuestPaths paths)
    {
        try
        {
            File.Delete(Path.Combine(_options.GuestRunDirectory, paths.LiveDefinitionName + ".xml"));
            WorkerStateFile.Delete(paths.StateFile);
            File.Delete(paths.ControlSocket);
            File.Delete(paths.QmpSocket);
            File.Delete(paths.ConsoleSocket);
            File.Delete(paths.AutodestroyMark);
            if (Directory.Exists(paths.GuestDirectory))
            {
                Directory.Delete(paths.GuestDirectory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            QemuDriverLog.CleanupFailed(_logger, paths.Uuid, e.Message);
        }
    }

    /// <summary>
    /// The worker does not answer. Its state file says how the guest ended if the worker recorded it; otherwise the
    /// worker died with the guest running: QEMU (if it still runs) is killed, and the guest is reported crashed.
    /// </summary>
    private void WorkerGone(RunningGuest guest, string name)
    {
        WorkerStatus? recorded = null;
        try
        {
            recorded = WorkerStateFile.Read(guest.Paths.StateFile);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            QemuDriverLog.StateFileUnreadable(_logger, guest.Paths.StateFile, e.Message);
        }
        if (recorded is { State: GuestStates.Shutoff })
        {
            CommitStopped(guest, recorded.Reason, GuestStates.EventStopped, StoppedDetail(recorded.Reason));
            return;
        }
        if (recorded is { QemuPid: > 0 })
        {
            KillOrphanedQemu(recorded.QemuPid, guest.Uuid);
        }
        QemuDriverLog.WorkerGone(_logger, name, guest.Uuid);
        CommitStopped(guest, GuestStates.ShutoffCrashed, GuestStates.EventStopped, GuestStates.StoppedFailed);
    }

    private static int StoppedDetail(int shutoffReason) => shutoffReason switch
    {
        GuestStates.ShutoffShutdown => GuestStates.StoppedShutdown,
        GuestStates.ShutoffDestroyed => GuestStates.StoppedDestroyed,
        _ => GuestStates.StoppedFailed,
    };

    /// <summary>Kills a QEMU whose worker is gone, if that pid is still this guest's QEMU (its command line names the UUID).</summary>
    private void KillOrphanedQemu(int pid, Guid uuid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            if (!commandLine.Contains(uuid.ToString("D"), StringComparison.Ordinal))
            {
                return;
            }
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            QemuDriverLog.OrphanKilled(_logger, pid, uuid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// virtd started: every guest with a state file under RUN/qemu is either reconnected (its worker answers and QEMU
    /// runs) or reported shut off with the reason its worker recorded, or crashed when it recorded none.
    /// </summary>
    private async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_options.GuestRunDirectory))
        {
            return;
        }
        // Read before any guest is reconnected or found gone (a gone guest's clean-up runs in the background).
        var migrations = LoadMigrationRecords();
        foreach (var stateFile in Directory.EnumerateFiles(_options.GuestRunDirectory, "*.state"))
        {
            if (!Guid.TryParseExact(Path.GetFileNameWithoutExtension(stateFile), "D", out var uuid))
            {
                continue;
            }
            var paths = new GuestPaths(uuid, _options);
            DomainDefinition? live = null;
            try
            {
                var xml = await File.ReadAllTextAsync(Path.Combine(_options.GuestRunDirectory, paths.LiveDefinitionName + ".xml"), cancellationToken).ConfigureAwait(false);
                live = DomainXml.Parse(xml, _options.ParseOptions with { Live = true });
            }
            catch (Exception e) when (e is IOException or DefinitionException or UnauthorizedAccessException)
            {
                QemuDriverLog.StateFileUnreadable(_logger, paths.StateFile, "its live definition does not load: " + e.Message);
            }
            if (live is not null)
            {
                _taps.SkipPast(live);
            }
            WorkerStatus? status = null;
            try
            {
                using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                budget.CancelAfter(TimeSpan.FromSeconds(5));
                var response = await VmmClient.CallAsync(paths.ControlSocket, new WorkerRequest { Status = new StatusRequest() }, budget.Token).ConfigureAwait(false);
                status = response.Status;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not reachable: handled as gone below.
            }
            var guest = new RunningGuest(uuid, paths, null);
            if (live is null)
            {
                if (status is not null && GuestStates.IsActive(status.State))
                {
                    await VmmClient.CallAsync(paths.ControlSocket, new WorkerRequest { Kill = new KillRequest { GraceMs = 0 } }, cancellationToken).ConfigureAwait(false);
                }
                await ReleaseWorkerAsync(guest).ConfigureAwait(false);
                continue;
            }
            var persistent = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(uuid);
            var id = status?.DomainId ?? live.Id ?? 0;
            _nextId = Math.Max(_nextId, id);
            // Seen as running until the worker's answer (or its absence) says otherwise.
            Update(uuid, _ => new DomainSummary
            {
                Definition = live,
                InactiveDefinition = persistent is null || persistent.Definition == live with { Id = null } ? null : persistent.Definition,
                Persistent = persistent is not null,
                Autostart = persistent?.Autostart ?? false,
                Id = id,
                State = status is not null && GuestStates.IsActive(status.State) ? (DomainState)status.State : DomainState.Running,
                Reason = status?.Reason ?? 0,
            }, null);
            _running[uuid] = guest;
            if (status is null)
            {
                WorkerGone(guest, live.Name);
                continue;
            }
            guest.MarkApplied(status.Sequence);
            if (!GuestStates.IsActive(status.State))
            {
                CommitStopped(guest, status.Reason, GuestStates.EventStopped, StoppedDetail(status.Reason));
                continue;
            }
            QemuDriverLog.Reconnected(_logger, live.Name, uuid, id, status.QemuPid, status.WorkerPid);
            HoldQemu(guest, status);
            try
            {
                // The running guest still uses its volumes: lease them again so the storage driver keeps them.
                guest.Volumes = await VolumeLeases.AcquireAsync(_options.Volumes, live, cancellationToken).ConfigureAwait(false);
            }
            catch (VirtException e)
            {
                QemuDriverLog.StateFileUnreadable(_logger, paths.StateFile, "its storage volumes could not be leased again: " + e.Message);
            }
            guest.Autodestroy = ReadAutodestroyMark(paths) == id;
            guest.Pump = Task.Run(() => PumpAsync(guest, live.Name), CancellationToken.None);
        }
        await RecoverMigrationsAsync(migrations).ConfigureAwait(false);
    }

    /// <summary>Autostart domains that are not running start now, one after another; a failure is logged, not fatal.</summary>
    private async Task AutostartAsync()
    {
        foreach (var domain in Volatile.Read(ref _snapshot).ByName.Values.Where(d => d.Autostart && !d.IsActive))
        {
            try
            {
                await StartDomainAsync(DomainRef.ByUuid(domain.Uuid), startPaused: false, CancellationToken.None).ConfigureAwait(false);
                QemuDriverLog.Autostarted(_logger, domain.Name, domain.Uuid);
            }
            catch (VirtException e)
            {
                QemuDriverLog.AutostartFailed(_logger, domain.Name, domain.Uuid, e.Message);
            }
        }
    }
}
