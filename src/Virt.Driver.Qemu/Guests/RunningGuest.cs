using System.Diagnostics;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// virtd's handle on one running guest: its worker's socket, the event pump that applies the worker's events, and
/// how far it got, so a job can wait until what it caused is visible to reads.
/// </summary>
internal sealed class RunningGuest(Guid uuid, GuestPaths paths, Process? worker)
{
    private readonly Lock _lock = new();
    private readonly List<(ulong Sequence, TaskCompletionSource Done)> _waiters = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PidFd? _qemu;
    private int _stopClaimed;
    private int _tainted;
    private ulong _applied;
    private int _monitorCalls;
    private DateTimeOffset _monitorBusySince;
    private TaskCompletionSource _migrationEvent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Guid Uuid { get; } = uuid;

    public GuestPaths Paths { get; } = paths;

    /// <summary>The worker, when this virtd started it (after a restart it is another process's child).</summary>
    public Process? Worker { get; } = worker;

    public CancellationTokenSource PumpStop { get; } = new();

    /// <summary>
    /// Held while one worker event is committed: the event pump and a destroy that commits the exit from the kill's
    /// answer (QemuDomainDriver.KillAsync) may both hold the same event, and it must be committed once.
    /// </summary>
    public Lock ApplyGate { get; } = new();

    /// <summary>The storage volumes leased to this guest; released when it stops.</summary>
    public VolumeLeases Volumes { get; set; } = VolumeLeases.None;

    public Task Pump { get; set; } = Task.CompletedTask;

    /// <summary>
    /// Holds QEMU through a pidfd of virtd's own, so that a destroy signals it and sees it exit without the worker in
    /// between (QemuDomainDriver.Lifecycle.cs); only with a worker that records such a destroy
    /// (<c>WorkerStatus.destroy_mark</c>). Closed when the stop is committed, at once if it already is.
    /// </summary>
    public void HoldQemu(PidFd qemu)
    {
        Volatile.Write(ref _qemu, qemu);
        if (Stopped.IsCompleted)
        {
            TakeQemu()?.Dispose();
        }
    }

    /// <summary>
    /// QEMU's pidfd for a destroy, which then owns it: the stop the destroy causes may be committed by the event pump
    /// (<see cref="MarkStopped"/>) while the destroy still waits on it. Null when not held.
    /// </summary>
    public PidFd? TakeQemu() => Interlocked.Exchange(ref _qemu, null);

    /// <summary>Set by a migration's Confirm before it kills the source QEMU: the stop is committed as shut off (migrated).</summary>
    public bool MigratedAway { get; set; }

    /// <summary>Set by a save once its image is complete, before it kills QEMU: the stop is committed as shut off (saved).</summary>
    public bool SavedAway { get; set; }

    /// <summary>Started with --autodestroy (<see cref="GuestPaths.AutodestroyMark"/>): not migrated.</summary>
    public bool Autodestroy { get; set; }

    /// <summary>The worker sent migrate-incoming for a restore's image itself (LaunchSpec.incoming_file).</summary>
    public bool IncomingStarted { get; set; }

    /// <summary>Completes once the guest's shut-off is committed.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>
    /// One QMP call through the worker, in flight until disposed: while any is, domcontrol says "occupied" (libvirt's
    /// state while a call is inside the monitor), timed from when the monitor last became busy.
    /// </summary>
    public MonitorCall EnterMonitor()
    {
        lock (_lock)
        {
            if (_monitorCalls++ == 0)
            {
                _monitorBusySince = DateTimeOffset.UtcNow;
            }
        }
        return new MonitorCall(this);
    }

    /// <summary>When the monitor became busy, if a QMP call is in flight now.</summary>
    public DateTimeOffset? MonitorBusySince
    {
        get
        {
            lock (_lock)
            {
                return _monitorCalls > 0 ? _monitorBusySince : null;
            }
        }
    }

    private void LeaveMonitor()
    {
        lock (_lock)
        {
            _monitorCalls--;
        }
    }

    /// <summary>A QMP call in flight (<see cref="EnterMonitor"/>).</summary>
    public readonly struct MonitorCall(RunningGuest guest) : IDisposable
    {
        public void Dispose() => guest.LeaveMonitor();
    }

    /// <summary>True once per run: the first qemu-monitor-command, which taints the guest (logged once, as libvirt does).</summary>
    public bool TryMarkTainted() => Interlocked.Exchange(ref _tainted, 1) == 0;

    /// <summary>
    /// True for the one caller that commits the guest's shut-off. A destroy commits it from the worker's answer or
    /// QEMU's pidfd; the worker, released right after, can be gone before the event pump read the exit event, and the
    /// pump must not then commit a second stop (crashed) for the same run.
    /// </summary>
    public bool TryClaimStop() => Interlocked.Exchange(ref _stopClaimed, 1) == 0;

    public bool StopClaimed => Volatile.Read(ref _stopClaimed) != 0;

    public ulong Applied
    {
        get
        {
            lock (_lock)
            {
                return _applied;
            }
        }
    }

    public void MarkApplied(ulong sequence)
    {
        lock (_lock)
        {
            _applied = Math.Max(_applied, sequence);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Sequence <= _applied)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public void MarkStopped()
    {
        TakeQemu()?.Dispose();
        _stopped.TrySetResult();
        lock (_lock)
        {
            foreach (var (_, done) in _waiters)
            {
                done.TrySetResult();
            }
            _waiters.Clear();
        }
    }

    /// <summary>
    /// Completes at QEMU's next MIGRATION event (its migration changed status). Taken before reading query-migrate, so
    /// a change between the read and the wait is not missed.
    /// </summary>
    public Task NextMigrationEvent
    {
        get
        {
            lock (_lock)
            {
                return _migrationEvent.Task;
            }
        }
    }

    public void MarkMigrationEvent()
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            fired = _migrationEvent;
            _migrationEvent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }

    /// <summary>Waits until the events up to <paramref name="sequence"/> are committed (or the guest has stopped).</summary>
    public Task WaitAppliedAsync(ulong sequence, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_applied >= sequence || _stopped.Task.IsCompleted)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((sequence, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }
}
