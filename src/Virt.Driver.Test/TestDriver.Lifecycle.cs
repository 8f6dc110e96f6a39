using Virt.Domain;

namespace Virt.Driver.Test;

/// <summary>Start, stop, pause and the rest, with libvirt's test-driver checks, states, reasons and events.</summary>
public sealed partial class TestDriver
{
    public Task<DomainSummary> StartDomainAsync(DomainRef domain, bool startPaused, CancellationToken cancellationToken)
    {
        RefusePaused(startPaused);
        return Task.FromResult(Change(domain, entry =>
        {
            if (entry.State != DomainState.Shutoff)
            {
                throw VirtException.OperationInvalid(entry.Name, "start", entry.State, $"Domain '{entry.Name}' is already running");
            }
            var started = entry.Started(entry.Persistent!, _nextId++);
            return ChangeOutcome.Kept(started, Event(started, DomainEventType.Started, EventDetails.StartedBooted));
        }, cancellationToken));
    }

    public Task<DomainSummary> DestroyDomainAsync(DomainRef domain, bool graceful, bool removeLogs, CancellationToken cancellationToken) =>
        // The test driver has no guest to flush, so graceful and forced destroy are the same; it keeps no logs, and
        // refuses the flag as libvirt's does.
        removeLogs
            ? throw new VirtException(VirtErrorReason.OperationUnsupported, "unsupported flags (0x2) in function testDomainDestroyFlags",
                new Dictionary<string, string> { ["operation"] = "virDomainDestroyFlags" })
            : Task.FromResult(Change(domain, entry =>
        {
            RequireActive(entry, "destroy");
            return ChangeOutcome.Stopped(entry, StateReasons.ShutoffDestroyed, Event(entry, DomainEventType.Stopped, EventDetails.StoppedDestroyed));
        }, cancellationToken));

    public Task<DomainSummary> ShutdownDomainAsync(DomainRef domain, TimeSpan? timeout, bool forceAfterTimeout, CancellationToken cancellationToken) =>
        // The guest complies at once (libvirt's test driver applies <on_poweroff> immediately), so a timeout never expires.
        Task.FromResult(Change(domain, entry =>
        {
            if (entry.State == DomainState.Shutoff)
            {
                throw VirtException.InternalStateError(entry.Name, "shut down", entry.State, $"domain '{entry.Name}' not running");
            }
            return AfterGuestAction(entry, entry.Live!.OnPoweroff);
        }, cancellationToken));

    public Task<DomainSummary> RebootDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        Task.FromResult(Change(domain, entry =>
        {
            RequireActive(entry, "reboot");
            return AfterGuestAction(entry, entry.Live!.OnReboot);
        }, cancellationToken));

    public Task<DomainSummary> ResetDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        // libvirt's test driver only checks that the domain is active: state, reason and id stay, and no event is sent.
        Task.FromResult(Change(domain, entry =>
        {
            RequireActive(entry, "reset");
            return ChangeOutcome.Kept(entry);
        }, cancellationToken));

    public Task<DomainSummary> SuspendDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        Task.FromResult(Change(domain, entry =>
        {
            if (entry.State is DomainState.Shutoff or DomainState.Paused)
            {
                throw VirtException.InternalStateError(entry.Name, "suspend", entry.State, $"domain '{entry.Name}' not running");
            }
            var paused = entry.WithState(DomainState.Paused, StateReasons.PausedUser);
            return ChangeOutcome.Kept(paused, Event(paused, DomainEventType.Suspended, EventDetails.SuspendedPaused));
        }, cancellationToken));

    public Task<DomainSummary> ResumeDomainAsync(DomainRef domain, CancellationToken cancellationToken) =>
        Task.FromResult(Change(domain, entry =>
        {
            if (entry.State != DomainState.Paused)
            {
                throw VirtException.InternalStateError(entry.Name, "resume", entry.State, $"domain '{entry.Name}' not paused");
            }
            var running = entry.WithState(DomainState.Running, StateReasons.RunningUnpaused);
            return ChangeOutcome.Kept(running, Event(running, DomainEventType.Resumed, EventDetails.ResumedUnpaused));
        }, cancellationToken));

    /// <summary>libvirt's test driver has no consoles (virDomainOpenConsole is not in its table).</summary>
    public async Task<IDomainConsole> OpenConsoleAsync(DomainRef domain, string? device, bool force, CancellationToken cancellationToken)
    {
        await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        throw VirtException.Unsupported("test", "consoles (virDomainOpenConsole)");
    }

    public Task<DomainSummary> SetAutostartAsync(DomainRef domain, bool autostart, CancellationToken cancellationToken) =>
        // libvirt's test driver sets the flag for any domain, transient ones included, and sends no lifecycle event; the
        // feed still says the flag changed (a definition-changed event that virsh's event command has no line for).
        Task.FromResult(Change(domain, entry => entry.Autostart == autostart
            ? ChangeOutcome.Kept(entry)
            : ChangeOutcome.Kept(entry.WithAutostart(autostart), DomainDefinitionChangedEvent.ForAutostart(entry.Name, entry.Uuid)), cancellationToken));

    /// <summary>libvirt's test driver refuses VIR_DOMAIN_START_PAUSED ("unsupported flags (0x1)"); so do we, rather than start it running.</summary>
    private static void RefusePaused(bool startPaused)
    {
        if (startPaused)
        {
            throw VirtException.Unsupported("test", "starting a domain paused");
        }
    }

    private static void RequireActive(DomainEntry entry, string operation)
    {
        if (!entry.IsActive)
        {
            throw VirtException.OperationInvalid(entry.Name, operation, entry.State, "domain is not running");
        }
    }

    /// <summary>
    /// What the guest's power-off or reboot leads to, as libvirt's testDomainActionSetState: restart actions leave it
    /// running (booted, same id, no event); every other action shuts it off with reason "shutdown".
    /// </summary>
    private static ChangeOutcome AfterGuestAction(DomainEntry entry, LifecycleAction action) => action switch
    {
        LifecycleAction.Restart or LifecycleAction.RenameRestart => ChangeOutcome.Kept(entry.WithState(DomainState.Running, StateReasons.RunningBooted)),
        _ => ChangeOutcome.Stopped(entry, StateReasons.ShutoffShutdown, Event(entry, DomainEventType.Stopped, EventDetails.StoppedShutdown)),
    };
}
