using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// Start, stop, pause and the rest, through the guest's VMM worker, with libvirt's QEMU-driver rules for which state
/// allows what. Each call returns once what it caused is committed, so a read right after it sees the new state.
/// </summary>
public sealed partial class QemuDomainDriver
{
    /// <summary>
    /// How long a destroy that signalled QEMU itself waits for its exit on the calling thread (poll on the pidfd) before
    /// the worker's kill takes over: QEMU exits within milliseconds of a SIGTERM unless it hangs.
    /// </summary>
    private static readonly TimeSpan _exitBlockingWait = TimeSpan.FromMilliseconds(250);

    public async Task<DomainSummary> CreateDomainAsync(string xml, bool startPaused, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var definition = QemuDefinitions.Canonical(QemuDefinitions.Parse(xml, _options), _options).Definition;
        using var job = await BeginAsync(definition.Uuid, definition.Name, "create", defining: true, cancellationToken).ConfigureAwait(false);
        var existing = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(definition.Uuid);
        if (existing is { IsActive: true })
        {
            throw VirtException.OperationInvalid(existing.Name, "create", existing.State, $"domain '{existing.Name}' is already active");
        }
        // Creating a domain that is defined and shut off runs it with this definition and keeps it persistent (libvirt).
        return await LaunchAsync(definition, existing, startPaused, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>libvirt's virDomainCreate: restores the managed save image if there is one (QemuDomainDriver.ManagedSave.cs).</summary>
    public Task<DomainSummary> StartDomainAsync(DomainRef domain, bool startPaused, CancellationToken cancellationToken) =>
        StartDomainAsync(domain, startPaused, forceBoot: false, bypassCache: false, cancellationToken);

    /// <summary>
    /// Destroy does not wait for the domain's gate: it must get through while a long job (a shutdown waiting for its
    /// timeout) holds it, and it is safe to repeat (the worker kills QEMU once).
    /// </summary>
    public async Task<DomainSummary> DestroyDomainAsync(DomainRef domain, bool graceful, bool removeLogs, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var guest = RequireGuest(current, "destroy");
        // A running job (save, migration) ends CANCELLED; its own clean-up runs once QEMU is gone.
        _jobs.CancelAllOn(current.Uuid, "the domain was destroyed");
        await KillAsync(guest, current, graceful, cancellationToken).ConfigureAwait(false);
        if (removeLogs)
        {
            RemoveLogs(current, guest.Paths);
        }
        return AfterStop(current);
    }

    /// <summary>
    /// destroy --remove-logs: QEMU's log (the worker's lines in it) and the console log, as libvirt's
    /// qemuDomainRemoveLogs removes NAME.log; a failure is logged, not an error of the destroy, which has happened.
    /// </summary>
    private void RemoveLogs(DomainSummary current, GuestPaths paths)
    {
        foreach (var log in (string[])[paths.LogFile, paths.ConsoleLog])
        {
            try
            {
                File.Delete(log);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                QemuDriverLog.LogsNotRemoved(_logger, current.Name, current.Uuid, log, e.Message);
            }
        }
    }

    public Task<DomainSummary> ShutdownDomainAsync(DomainRef domain, TimeSpan? timeout, bool forceAfterTimeout, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "shut down", async current =>
        {
            var guest = RequireGuest(current, "shut down");
            await ControlAsync(guest, current, ControlAction.Powerdown, cancellationToken).ConfigureAwait(false);
            if (timeout is not { } limit)
            {
                return Latest(current);
            }
            try
            {
                await guest.Stopped.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                if (!forceAfterTimeout)
                {
                    throw new VirtException(VirtErrorReason.OperationTimeout,
                        $"Domain '{current.Name}' did not shut down within {limit.TotalSeconds:0.#} s and is still running; use --force to destroy it when the timeout passes.",
                        new Dictionary<string, string> { ["domain"] = current.Name, ["operation"] = "shut down" });
                }
                QemuDriverLog.ShutdownForced(_logger, current.Name, current.Uuid, limit.TotalSeconds);
                await KillAsync(guest, current, graceful: false, cancellationToken).ConfigureAwait(false);
            }
            return AfterStop(current);
        }, cancellationToken);

    public Task<DomainSummary> RebootDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "reboot", async current =>
        {
            var guest = RequireGuest(current, "reboot");
            if (current.State != DomainState.Running)
            {
                throw VirtException.OperationInvalid(current.Name, "reboot", current.State, "domain is not running");
            }
            await ControlAsync(guest, current, ControlAction.Reboot, cancellationToken).ConfigureAwait(false);
            return Latest(current);
        }, cancellationToken);

    public Task<DomainSummary> ResetDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "reset", async current =>
        {
            var guest = RequireGuest(current, "reset");
            await ControlAsync(guest, current, ControlAction.Reset, cancellationToken).ConfigureAwait(false);
            return Latest(current);
        }, cancellationToken);

    /// <summary>As libvirt's QEMU driver: suspending a paused domain succeeds and changes nothing.</summary>
    public Task<DomainSummary> SuspendDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "suspend", async current =>
        {
            var guest = RequireGuest(current, "suspend");
            if (current.State == DomainState.Paused)
            {
                return current;
            }
            await ControlAsync(guest, current, ControlAction.Stop, cancellationToken).ConfigureAwait(false);
            return Latest(current);
        }, cancellationToken);

    /// <summary>As libvirt's QEMU driver: resuming a running domain succeeds and changes nothing.</summary>
    public Task<DomainSummary> ResumeDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "resume", async current =>
        {
            var guest = RequireGuest(current, "resume");
            if (current.State == DomainState.Running)
            {
                return current;
            }
            await ControlAsync(guest, current, ControlAction.Cont, cancellationToken).ConfigureAwait(false);
            return Latest(current);
        }, cancellationToken);

    /// <summary>
    /// A control action through the worker; <c>reason</c> is libvirt's reason for the state it leads to, which the
    /// worker records with it (so a restarted virtd reads it back); 0 for the action's own (cont: unpaused, stop: user).
    /// </summary>
    private static async Task ControlAsync(RunningGuest guest, DomainSummary current, ControlAction action, CancellationToken cancellationToken, int reason = 0)
    {
        var response = await CallAsync(guest, current.Name, new WorkerRequest { Control = new ControlRequest { Action = action, Reason = reason } }, cancellationToken).ConfigureAwait(false);
        await guest.WaitAppliedAsync(response.Status.Sequence, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// SIGTERM, then SIGKILL after the grace (graceful: never SIGKILL); returns once the shut-off is committed. virtd
    /// sends the SIGTERM itself when it holds QEMU (<see cref="RunningGuest.HoldQemu"/>) and commits the destroy when it sees
    /// QEMU exit: the worker is then neither woken before the signal nor asked for the answer after the exit (its
    /// accept, read and SIGTERM on the way there, its wake-up and write on the way back), and learns that it was a
    /// destroy from the mark set before the signal (src/Virt.Vmm/README.md). A QEMU that is not gone within
    /// <see cref="_exitBlockingWait"/> gets the worker's kill (the grace and the SIGKILL) without a second SIGTERM.
    /// </summary>
    private async Task KillAsync(RunningGuest guest, DomainSummary current, bool graceful, CancellationToken cancellationToken)
    {
        var request = new KillRequest { GraceMs = (uint)_options.DestroyGrace.TotalMilliseconds, GracefulOnly = graceful };
        if (!graceful && guest.TakeQemu() is { } qemu)
        {
            using (qemu)
            {
                request.Signalled = SignalDestroy(guest.Paths, qemu);
                if (request.Signalled && qemu.WaitExited(_exitBlockingWait))
                {
                    lock (guest.ApplyGate)
                    {
                        // Released once the worker's exit event has ended the pump, as after a kill's answer (CommitStopped).
                        CommitStopped(guest, GuestStates.ShutoffDestroyed, GuestStates.EventStopped, GuestStates.StoppedDestroyed, releaseAfter: guest.Pump);
                    }
                    await guest.Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
        }
        try
        {
            var response = await CallAsync(guest, current.Name, new WorkerRequest { Kill = request }, cancellationToken).ConfigureAwait(false);
            CommitKilled(guest, response.Status);
            await guest.WaitAppliedAsync(response.Status.Sequence, cancellationToken).ConfigureAwait(false);
        }
        catch (VirtException e) when (e.Reason == VirtErrorReason.VmmUnreachable)
        {
            // The worker is gone: nobody else will notice for this guest, so handle it here.
            WorkerGone(guest, current.Name);
        }
        await guest.Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The destroy mark, then QEMU's SIGTERM from virtd; false when either fails (the worker's kill then does it all).</summary>
    private static bool SignalDestroy(GuestPaths paths, PidFd qemu)
    {
        try
        {
            DestroyMark.Set(paths.StateFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return qemu.Signal(PidFd.SigTerm);
    }

    /// <summary>
    /// The kill's answer says QEMU is gone and why; when that is the destroy itself and every event before it is
    /// committed, commit the exit from the answer instead of waiting for the same event on the worker's event stream,
    /// which the worker sends from another thread (one more thread wake-up there and one here on destroy's path). The
    /// event, when it arrives, is then already applied and skipped (<see cref="RunningGuest.ApplyGate"/>).
    /// </summary>
    private void CommitKilled(RunningGuest guest, WorkerStatus status)
    {
        if (status is not { State: GuestStates.Shutoff, Reason: GuestStates.ShutoffDestroyed })
        {
            return;
        }
        lock (guest.ApplyGate)
        {
            if (guest.Applied + 1 != status.Sequence)
            {
                // Events between are still on their way (or this one is applied already): the pump commits them in order.
                return;
            }
            ApplyLocked(guest, new WorkerEvent
            {
                Sequence = status.Sequence,
                Name = "VMM_QEMU_EXITED",
                State = GuestStates.Shutoff,
                Reason = GuestStates.ShutoffDestroyed,
                LifecycleType = GuestStates.EventStopped,
                LifecycleDetail = GuestStates.StoppedDestroyed,
                TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            }, fromKillAnswer: true);
        }
    }

    private DomainSummary Latest(DomainSummary current) => Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(current.Uuid) ?? AfterStop(current);

    /// <summary>The domain after it stopped; for a transient one (gone from the lists) what it was, shut off.</summary>
    private DomainSummary AfterStop(DomainSummary current) =>
        Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(current.Uuid)
        ?? current with { State = DomainState.Shutoff, Id = -1, Definition = current.Definition with { Id = null } };
}
