using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using Virt.Qemu.Qmp;
using Virt.Vmm.Protocol;
using static Virt.Vmm.Protocol.GuestStates;

namespace Virt.Vmm;

/// <summary>
/// One guest: QEMU as a child, its QMP monitor, its console, and the guest's state in libvirt's terms. Every state
/// change is an event with a sequence number, appended under one lock together with the state it leaves, and the
/// state file is rewritten with it, so a subscriber (virtd) that resumes from a sequence misses nothing and a virtd
/// that finds the worker gone still finds the last state on disk.
/// </summary>
internal sealed class Worker : IAsyncDisposable
{
    private static readonly TimeSpan _quitGrace = TimeSpan.FromSeconds(5);

    private readonly LaunchSpec _spec;
    private readonly WorkerThreads _threads;
    private readonly Lock _lock = new();
    private readonly List<WorkerEvent> _events = [];
    private readonly List<Channel<WorkerEvent>> _subscribers = [];
    // QEMU's exit is recorded and sent to subscribers: what a kill answers on. Its continuations run inline, on the
    // exit watcher's thread, so a waiting kill writes its answer before that thread rewrites the state file
    // (OnQemuExited); queued to the thread pool, the answer went out after the file on the same thread.
    private readonly TaskCompletionSource _exitRecorded = new();
    // ...and the state file says so too: only then may the worker end and remove that file.
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // QEMU as a pidfd, for its signals; 0 and null until it is spawned (QemuSpawn).
    private PidFd? _qemuPidFd;
    private QmpConnection? _qmp;
    private ConsoleRelay? _console;
    private ControlServer? _server;
    private Task _eventPump = Task.CompletedTask;
    private int _qemuPid;
    private int _state = Paused;
    private int _reason = PausedStartingUp;
    private long _startTimeMs;
    private int? _exitCode;
    private bool _destroyRequested;
    private bool _fakeReboot;
    private bool _panicked;
    private int _pauseReason = PausedUnknown;
    private int _resumeReason = RunningUnpaused;

    /// <param name="spec">The launch spec.</param>
    /// <param name="threads">The threads that will wait for QEMU's exit, accept control calls and read the monitor and console.</param>
    public Worker(LaunchSpec spec, WorkerThreads threads)
    {
        _spec = spec;
        _threads = threads;
    }

    public string ConsoleAlias => _spec.ConsoleAlias;

    /// <summary>
    /// Starts QEMU and brings the guest to running (or paused); on any failure leaves nothing behind. The worker serves
    /// nothing and watches nothing until <see cref="Launched"/>: the launch's answer goes out first.
    /// </summary>
    /// <param name="answerEarly">
    /// Sends virtd the launch's answer from the monitor's reader thread, the moment <c>cont</c> is answered (when the
    /// launch pipelines it): the result this returns then is the one already sent.
    /// </param>
    public async Task<LaunchResult> LaunchAsync(Action<LaunchResult> answerEarly)
    {
        var logStart = new FileInfo(_spec.LogFile).Length;
        var qmpTimeout = TimeSpan.FromSeconds(_spec.QmpTimeoutSeconds == 0 ? 60 : _spec.QmpTimeoutSeconds);
        using var timeout = new CancellationTokenSource(qmpTimeout);
        try
        {
            var argv = _spec.Argv.ToList();
            // The monitor and the console are socket pairs, QEMU's ends inherited (ChardevPair): nothing to bind or connect.
            using var monitor = ChardevPair.Create(argv, _spec.QmpSocket)
                ?? throw new InvalidOperationException($"the QEMU command line has no monitor chardev at {_spec.QmpSocket}");
            using var console = _spec.ConsoleSocket.Length > 0 ? ChardevPair.Create(argv, _spec.ConsoleSocket) : null;
            // Managed taps: made here, on their bridges and up, and passed to QEMU as fds, so they go with QEMU.
            var taps = TapDevice.CreateAll(_spec.Taps, argv);
            var incoming = -1;
            try
            {
                // A restore's stream: QEMU reads it straight from the file (libvirt passes an fd as well).
                incoming = _spec.IncomingFile.Length > 0 ? Native.OpenInheritableAt(_spec.IncomingFile, checked((long)_spec.IncomingOffset), "QEVM"u8) : -1;
                _qemuPid = QemuSpawn.Start(argv, _spec.Environment);
                // Nothing else in this process reaps QEMU, so its pid stays QEMU's until the exit watcher reaps it.
                Volatile.Write(ref _qemuPidFd, PidFd.Open(_qemuPid));
            }
            finally
            {
                // QEMU has its own copies now (or never will); the worker keeps none, so QEMU's exit closes them.
                monitor.CloseQemuEnd();
                console?.CloseQemuEnd();
                if (incoming >= 0)
                {
                    Native.Close(incoming);
                }
                foreach (var tap in taps)
                {
                    tap.Dispose();
                }
            }
            // The spawn returns once QEMU's exec has let go of this process's memory, before the kernel has loaded
            // QEMU: run on, this thread kept QEMU's exec off this CPU for the 0.4 ms of what follows (traced), while
            // nothing of that is needed before QEMU's greeting, tens of ms later.
            Native.YieldCpu();
            _startTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            WorkerLog.Write($"QEMU started, pid {_qemuPid}");
            // While QEMU initializes (tens of ms, the worker idle), what virtd will find this guest by is made: the control
            // socket (served once the launch has answered) and then the state file, whose creation (a new inode each) was
            // on the start's path after cont. A virtd restarted from now on finds the guest, and its first call waits in
            // the listen queue until the worker serves.
            _server = ControlServer.Listen(_spec.ControlSocket, _threads.ControlAccept);
            lock (_lock)
            {
                WriteStateFile(StatusLocked());
            }
            if (console is not null)
            {
                _console = new ConsoleRelay(console.TakeWorkerEnd(), _threads.ConsoleReader);
            }
            // cont goes right behind qmp_capabilities: one round trip to QEMU's main loop for both, and the answer to virtd
            // goes out on the reader thread that reads cont's answer (OpenOnThreadAsync's negotiated).
            var contPipelined = incoming < 0 && !_spec.StartPaused;
            IReadOnlyList<string> pipelined = contPipelined ? ["cont"] : [];
            LaunchResult? answered = null;
            Action? negotiated = contPipelined ? () => answerEarly(answered = Started(incomingStarted: false)) : null;
            _qmp = await QmpConnection.OpenOnThreadAsync(monitor.TakeWorkerEnd(), _threads.MonitorReader.Give, pipelined, negotiated, timeout.Token);
            _eventPump = Task.Run(PumpEventsAsync, CancellationToken.None);
            if (answered is not null)
            {
                return answered;
            }
            var incomingStarted = false;
            if (incoming >= 0)
            {
                // MIGRATION events tell virtd the load has ended without it polling; migrate-incoming answers at once
                // and QEMU loads in the background.
                await _qmp.ExecuteAsync("migrate-set-capabilities", new JsonObject
                {
                    ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "events", ["state"] = true }),
                }, timeout.Token);
                await _qmp.ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = $"fd:{incoming}" }, timeout.Token);
                incomingStarted = true;
            }
            if (!_spec.StartPaused)
            {
                await _qmp.ExecuteAsync("cont", null, timeout.Token);
            }
            return Started(incomingStarted);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException or QmpException or System.Net.Sockets.SocketException)
        {
            await AbandonLaunchAsync();
            var detail = e is OperationCanceledException ? $"QEMU did not answer on its monitor within {qmpTimeout.TotalSeconds:0} s" : e.Message;
            var qemuSaid = LogSince(logStart);
            return new LaunchResult
            {
                Error = new WorkerError
                {
                    Code = WorkerErrorCode.LaunchFailed,
                    Message = qemuSaid.Length > 0 ? $"{detail}; QEMU said: {qemuSaid}" : detail,
                },
            };
        }
    }

    /// <summary>
    /// Records the start (running, or paused with <c>--paused</c>) and returns the launch's answer with it. The state file
    /// is rewritten with it once the answer is out (<see cref="Launched"/>).
    /// </summary>
    private LaunchResult Started(bool incomingStarted)
    {
        lock (_lock)
        {
            if (_spec.StartPaused)
            {
                Record("VMM_STARTED", null, Paused, PausedUser, EventStarted, StartedBooted, writeStateFile: false);
                Record("VMM_STARTED_PAUSED", null, Paused, PausedUser, EventSuspended, SuspendedPaused, writeStateFile: false);
            }
            else
            {
                Record("VMM_STARTED", null, Running, RunningBooted, EventStarted, StartedBooted, writeStateFile: false);
            }
            var launched = new LaunchResult { Status = StatusLocked(), IncomingStarted = incomingStarted };
            launched.Events.AddRange(_events);
            return launched;
        }
    }

    /// <summary>
    /// After a successful launch's answer: serve calls, watch for QEMU's exit, and bring the state file up to date.
    /// None of it is on the start's path any more: a call virtd makes meanwhile (its event pump subscribes soon after)
    /// waits in the listen queue, an exit meanwhile is seen when the watcher starts (QEMU stays a zombie until then or
    /// until .NET reaps it), and until the rewrite the file says "paused, starting up" with QEMU's pid, which a virtd
    /// that finds the worker gone treats as a running guest would be: QEMU killed, shut off (crashed).
    /// </summary>
    public void Launched()
    {
        _server!.Serve(this);
        StartExitWatcher();
        lock (_lock)
        {
            // After an exit RecordExit writes the last state itself (it takes the lock first to record it).
            if (_exitCode is null)
            {
                WriteStateFile(StatusLocked());
            }
        }
    }

    /// <summary>Serves until QEMU has exited and virtd released the worker (or stopped waiting for it).</summary>
    public async Task RunAsync()
    {
        await _exited.Task;
        var linger = TimeSpan.FromSeconds(_spec.LingerSeconds == 0 ? 60 : _spec.LingerSeconds);
        var released = await Task.WhenAny(_released.Task, Task.Delay(linger)) == _released.Task;
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (released)
        {
            // virtd has the outcome; otherwise the state file stays for the next virtd to read.
            WorkerStateFile.Delete(_spec.StateFile);
        }
        else
        {
            WorkerLog.Write($"not released within {linger.TotalSeconds:0} s; the state file stays for virtd");
        }
    }

    public WorkerStatus Status()
    {
        lock (_lock)
        {
            return StatusLocked();
        }
    }

    /// <summary>
    /// cont, stop, powerdown, reset, reboot. <paramref name="reason"/>: virtd's reason for the state cont or stop leads
    /// to (a migration's or restore's resume, a save's pause), recorded with it; 0 for the action's own.
    /// </summary>
    public async Task<WorkerResponse> ControlAsync(ControlAction action, int reason, CancellationToken cancellationToken)
    {
        var qmp = RunningMonitor(out var refusal);
        if (qmp is null)
        {
            return refusal!;
        }
        switch (action)
        {
            case ControlAction.Stop:
                var pauseReason = reason != 0 ? reason : PausedUser;
                lock (_lock)
                {
                    _pauseReason = pauseReason;
                }
                await qmp.ExecuteAsync("stop", null, cancellationToken);
                lock (_lock)
                {
                    if (_state == Running)
                    {
                        Record("VMM_PAUSED", null, Paused, pauseReason, EventSuspended, SuspendedPaused);
                    }
                }
                break;
            case ControlAction.Cont:
                var resumeReason = reason != 0 ? reason : RunningUnpaused;
                lock (_lock)
                {
                    // QEMU's RESUME event may be recorded before cont's answer arrives: it takes the reason from here.
                    _resumeReason = resumeReason;
                }
                try
                {
                    await qmp.ExecuteAsync("cont", null, cancellationToken);
                    lock (_lock)
                    {
                        if (_state == Paused)
                        {
                            Record("VMM_RESUMED", null, Running, resumeReason, EventResumed, ResumedUnpaused);
                        }
                    }
                }
                finally
                {
                    lock (_lock)
                    {
                        _resumeReason = RunningUnpaused;
                    }
                }
                break;
            case ControlAction.Powerdown:
                await qmp.ExecuteAsync("system_powerdown", null, cancellationToken);
                break;
            case ControlAction.Reset:
                await qmp.ExecuteAsync("system_reset", null, cancellationToken);
                break;
            case ControlAction.Reboot:
                lock (_lock)
                {
                    _fakeReboot = true;
                }
                await qmp.ExecuteAsync("system_powerdown", null, cancellationToken);
                break;
            default:
                return Error(WorkerErrorCode.Unsupported, $"control action {action} is not known to this worker ({WorkerProgram.Version})");
        }
        return new WorkerResponse { Status = Status() };
    }

    /// <summary>Any QMP command, for features built in virtd (balloon, pinning, statistics).</summary>
    public async Task<WorkerResponse> QmpAsync(QmpRequest request, CancellationToken cancellationToken)
    {
        var qmp = RunningMonitor(out var refusal);
        if (qmp is null)
        {
            return refusal!;
        }
        JsonObject? arguments = null;
        if (request.ArgumentsJson.Length > 0)
        {
            try
            {
                arguments = JsonNode.Parse(request.ArgumentsJson) as JsonObject
                    ?? throw new JsonException("the arguments are not a JSON object");
            }
            catch (JsonException e)
            {
                return Error(WorkerErrorCode.InvalidArgument, $"QMP arguments for '{request.Command}' must be a JSON object: {e.Message}");
            }
        }
        SafeFileHandle? attached = null;
        try
        {
            if (request.AttachFile.Length > 0)
            {
                attached = Native.OpenForAppending(request.AttachFile);
            }
            // With a file (getfd for a save's stream): QEMU has its own copy once the command is sent; ours is closed after.
            var result = attached is null
                ? await qmp.ExecuteAsync(request.Command, arguments, cancellationToken)
                : await qmp.ExecuteAsync(request.Command, arguments, attached, cancellationToken);
            return new WorkerResponse { Qmp = new QmpReply { ReturnJson = result?.ToJsonString() ?? "null" } };
        }
        catch (IOException e) when (attached is null && request.AttachFile.Length > 0)
        {
            return Error(WorkerErrorCode.InvalidArgument, $"'{request.Command}': {e.Message}");
        }
        catch (QmpException e)
        {
            return new WorkerResponse { Qmp = new QmpReply { Error = new WorkerError { Code = WorkerErrorCode.Qmp, Message = e.Message, QmpClass = e.ErrorClass, QmpDescription = e.Description } } };
        }
        finally
        {
            attached?.Dispose();
        }
    }

    /// <summary>
    /// Stops QEMU with SIGTERM, then SIGKILL after the grace (destroy); answers once QEMU is reaped and its exit recorded
    /// and sent to subscribers, without waiting for the state file (see <see cref="RecordExit"/>).
    /// </summary>
    public async Task<WorkerResponse> KillAsync(KillRequest request, CancellationToken cancellationToken)
    {
        // Null only before the spawn, when nothing but the worker's own SIGTERM (Terminate) can ask.
        if (Volatile.Read(ref _qemuPidFd) is not { } qemu)
        {
            return Error(WorkerErrorCode.InvalidState, "QEMU is not started yet");
        }
        lock (_lock)
        {
            if (_exitCode is not null)
            {
                return new WorkerResponse { Status = StatusLocked() };
            }
            _destroyRequested = true;
        }
        // What QEMU sends while it exits (the SHUTDOWN that answers the SIGTERM, the ends of the monitor and console)
        // changes nothing now; woken at normal priority, the readers preempted QEMU's main thread on its way out.
        SetReadersIdle(true);
        if (!request.Signalled || request.GraceMs == 0)
        {
            qemu.Signal(request.GraceMs == 0 ? PidFd.SigKill : PidFd.SigTerm);
        }
        if (await WaitExitedAsync(TimeSpan.FromMilliseconds(request.GraceMs), cancellationToken) is false)
        {
            if (request.GracefulOnly)
            {
                lock (_lock)
                {
                    _destroyRequested = false;
                }
                SetReadersIdle(false);
                return Error(WorkerErrorCode.Timeout, $"QEMU (pid {_qemuPid}) did not exit within {request.GraceMs} ms of SIGTERM; it was left running (graceful)");
            }
            qemu.Signal(PidFd.SigKill);
            await _exitRecorded.Task.WaitAsync(cancellationToken);
        }
        return new WorkerResponse { Status = Status() };
    }

    /// <summary>
    /// Whether virtd signalled QEMU itself for a destroy (it sets <see cref="DestroyMark"/> first, and tells this worker
    /// nothing before the signal): from then on it is a destroy as if a kill had asked for it, and, as a kill does, the
    /// readers go to idle priority for QEMU's exit.
    /// </summary>
    private bool DestroyMarkedLocked()
    {
        if (_spec.StateFile.Length == 0 || !DestroyMark.IsSet(_spec.StateFile))
        {
            return false;
        }
        _destroyRequested = true;
        SetReadersIdle(true);
        return true;
    }

    private void SetReadersIdle(bool idle)
    {
        _threads.MonitorReader.RunWhenIdle(idle);
        _threads.ConsoleReader.RunWhenIdle(idle);
    }

    /// <summary>The retained events after <paramref name="afterSequence"/> and a channel of the live ones, registered atomically.</summary>
    public (IReadOnlyList<WorkerEvent> Replay, ChannelReader<WorkerEvent>? Live) Subscribe(ulong afterSequence)
    {
        lock (_lock)
        {
            var replay = _events.Where(e => e.Sequence > afterSequence).ToList();
            if (_exitCode is not null)
            {
                return (replay, null);
            }
            var channel = Channel.CreateUnbounded<WorkerEvent>(new UnboundedChannelOptions { SingleReader = true });
            _subscribers.Add(channel);
            return (replay, channel.Reader);
        }
    }

    public void Unsubscribe(ChannelReader<WorkerEvent> live)
    {
        lock (_lock)
        {
            _subscribers.RemoveAll(c => c.Reader == live);
        }
    }

    public ConsoleRelay? Console => _console;

    public void Release() => _released.TrySetResult();

    /// <summary>SIGTERM to the worker: destroy the guest, then exit once virtd has read it (or the linger passes).</summary>
    public void Terminate()
    {
        WorkerLog.Write("SIGTERM: destroying the guest");
        _ = Task.Run(() => KillAsync(new KillRequest { GraceMs = 10_000 }, CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        if (_qmp is not null)
        {
            await _qmp.DisposeAsync();
        }
        _console?.Dispose();
        _qemuPidFd?.Dispose();
    }

    private QmpConnection? RunningMonitor(out WorkerResponse? refusal)
    {
        lock (_lock)
        {
            if (_exitCode is not null || _qmp is null || !IsActive(_state))
            {
                refusal = Error(WorkerErrorCode.InvalidState, "QEMU is not running");
                return null;
            }
            refusal = null;
            return _qmp;
        }
    }

    private static WorkerResponse Error(WorkerErrorCode code, string message) => new() { Error = new WorkerError { Code = code, Message = message } };

    private async Task<bool> WaitExitedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _exitRecorded.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private WorkerStatus StatusLocked()
    {
        var status = new WorkerStatus
        {
            WorkerPid = Environment.ProcessId,
            QemuPid = _exitCode is null ? _qemuPid : 0,
            DomainUuid = _spec.DomainUuid,
            DomainId = _spec.DomainId,
            State = _state,
            Reason = _reason,
            StartTimeMs = _startTimeMs,
            Sequence = _events.Count == 0 ? 0 : _events[^1].Sequence,
            ConsoleAlias = _console is null ? "" : _spec.ConsoleAlias,
            DestroyMark = _spec.StateFile.Length > 0,
        };
        if (_exitCode is { } code)
        {
            status.QemuExit = code;
        }
        return status;
    }

    /// <summary>
    /// Under the lock: a new state and its event, delivered to subscribers (unless <paramref name="deliver"/> is false:
    /// the caller delivers it after leaving the lock) and written to the state file (unless
    /// <paramref name="writeStateFile"/> is false: the caller writes it after leaving the lock).
    /// </summary>
    private void Record(string name, JsonObject? data, int state, int reason, int lifecycleType, int lifecycleDetail, bool writeStateFile = true, bool deliver = true, string? dataJson = null, DateTimeOffset? qmpTime = null)
    {
        var changed = state != _state || reason != _reason;
        _state = state;
        _reason = reason;
        var recorded = new WorkerEvent
        {
            Sequence = (ulong)_events.Count + 1,
            Name = name,
            DataJson = dataJson ?? data?.ToJsonString() ?? "{}",
            TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            State = state,
            Reason = reason,
            LifecycleType = lifecycleType,
            LifecycleDetail = lifecycleDetail,
            QmpTimeUs = qmpTime is { } t ? (t - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond : 0,
        };
        _events.Add(recorded);
        if (deliver)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(recorded);
            }
        }
        if (writeStateFile && (changed || lifecycleType != NoEvent || _exitCode is not null))
        {
            WriteStateFile(StatusLocked());
        }
    }

    /// <summary>Under the lock: a QMP event recorded under its own name and with QEMU's timestamp.</summary>
    private void Record(QmpEvent qmpEvent, int state, int reason, int lifecycleType, int lifecycleDetail) =>
        Record(qmpEvent.Name, qmpEvent.Data, state, reason, lifecycleType, lifecycleDetail, qmpTime: qmpEvent.Timestamp);

    private void WriteStateFile(WorkerStatus status)
    {
        try
        {
            WorkerStateFile.Write(_spec.StateFile, status);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WorkerLog.Write($"cannot write {_spec.StateFile}: {e.Message}");
        }
    }

    private async Task PumpEventsAsync()
    {
        await foreach (var qmpEvent in _qmp!.Events.ReadAllAsync())
        {
            Func<Task>? action;
            lock (_lock)
            {
                action = OnQmpEventLocked(qmpEvent);
            }
            if (action is not null)
            {
                _ = Task.Run(action);
            }
        }
    }

    /// <summary>libvirt's qemu_process.c event handlers, in short; returns what to do about the event outside the lock.</summary>
    private Func<Task>? OnQmpEventLocked(QmpEvent qmpEvent)
    {
        if (_exitCode is not null)
        {
            // A destroy records the exit without waiting for the monitor's last events; what QEMU said before it went
            // changes nothing now, and VMM_QEMU_EXITED stays the last event.
            return null;
        }
        var data = qmpEvent.Data;
        switch (qmpEvent.Name)
        {
            case "STOP":
                if (_state == Running)
                {
                    Record(qmpEvent, Paused, _pauseReason, EventSuspended, SuspendedPaused);
                }
                _pauseReason = PausedUnknown;
                return null;
            case "RESUME":
                // The launch's own `cont` resumes a guest that is still "starting up"; LaunchAsync records that as
                // Started, so the RESUME that races it must not add a Resumed event before it.
                if (_state == Paused && _reason != PausedStartingUp)
                {
                    Record(qmpEvent, Running, _resumeReason, EventResumed, ResumedUnpaused);
                }
                return null;
            case "SHUTDOWN":
            {
                var reason = data["reason"]?.GetValue<string>() ?? "";
                if (_destroyRequested || reason == "host-signal" && DestroyMarkedLocked())
                {
                    // QEMU's answer to the kill's SIGTERM ("host-signal"): the exit that follows is the destroy, and
                    // libvirt ignores a SHUTDOWN while it destroys the domain too. Not recorded, so no event crosses
                    // to virtd (and no commit there) while QEMU exits on destroy's path.
                    return null;
                }
                if (reason is "host-qmp-quit" or "guest-panic")
                {
                    Record(qmpEvent, _state, _reason, NoEvent, 0);
                    return null;
                }
                var guest = data["guest"]?.GetValue<bool>() ?? false;
                Record(qmpEvent, Shutdown, ShutdownUser, EventShutdown, guest ? ShutdownGuest : ShutdownHost);
                var policy = _fakeReboot ? "restart" : reason == "guest-reset" ? _spec.OnReboot : _spec.OnPoweroff;
                return AfterGuestStop(policy);
            }
            case "RESET":
            {
                var guest = data["guest"]?.GetValue<bool>() ?? false;
                if (guest && _spec.OnReboot is "destroy" && !_fakeReboot)
                {
                    // QEMU has reset the machine already; on_reboot=destroy means the guest's reboot ends it.
                    Record(qmpEvent, Shutdown, ShutdownUser, EventShutdown, ShutdownGuest);
                    return QuitAsync;
                }
                Record(qmpEvent, _state, _reason, NoEvent, 0);
                return null;
            }
            case "GUEST_PANICKED":
                switch (_spec.OnCrash)
                {
                    case "restart" or "rename-restart":
                        Record(qmpEvent, _state, _reason, NoEvent, 0);
                        return FakeRebootAsync;
                    case "preserve":
                        Record(qmpEvent, GuestStates.Crashed, CrashedPanicked, EventCrashed, CrashedPanickedDetail);
                        return null;
                    default:
                        _panicked = true;
                        Record(qmpEvent, GuestStates.Crashed, CrashedPanicked, EventCrashed, CrashedPanickedDetail);
                        return QuitAsync;
                }
            default:
                Record(qmpEvent, _state, _reason, NoEvent, 0);
                return null;
        }
    }

    private Func<Task>? AfterGuestStop(string policy) => policy switch
    {
        "restart" or "rename-restart" => FakeRebootAsync,
        "preserve" => null,
        _ => QuitAsync,
    };

    /// <summary>libvirt's qemuProcessFakeReboot: reset the stopped machine and let it run again.</summary>
    private async Task FakeRebootAsync()
    {
        try
        {
            await _qmp!.ExecuteAsync("system_reset");
            await _qmp.ExecuteAsync("cont");
            lock (_lock)
            {
                _fakeReboot = false;
                Record("VMM_REBOOTED", null, Running, RunningBooted, EventResumed, ResumedUnpaused);
            }
        }
        catch (Exception e) when (e is IOException or QmpException)
        {
            WorkerLog.Write("the reboot failed: " + e.Message);
        }
    }

    /// <summary>Ends QEMU for an on_poweroff/on_crash destroy: QMP quit, then SIGKILL if it lingers.</summary>
    private async Task QuitAsync()
    {
        try
        {
            await _qmp!.ExecuteAsync("quit");
        }
        catch (Exception e) when (e is IOException or QmpException)
        {
            // The monitor closes as QEMU goes; the exit is what matters.
        }
        if (!await WaitExitedAsync(_quitGrace, CancellationToken.None))
        {
            _qemuPidFd!.Signal(PidFd.SigKill);
        }
    }

    /// <summary>
    /// Waits for QEMU's exit on a thread of its own (started ahead, <see cref="StandbyThread"/>), blocked in <c>waitid(WNOWAIT)</c> on QEMU's pid: the kernel wakes
    /// it the moment QEMU is a zombie (it has exited and released everything but its pid), the same moment a parent's
    /// <c>waitpid</c> returns, and it reaps QEMU only once the exit is recorded (<see cref="RecordExit"/>), so that
    /// the reap's kernel work comes after a destroy's answer. A <see cref="System.Diagnostics.Process"/> was waited
    /// for through .NET's SIGCHLD handling (the signal handler, a pipe, .NET's signal thread, its <c>waitpid</c>, then
    /// the wait handle), which also woke when this thread did (<see cref="QemuSpawn"/>).
    /// </summary>
    private void StartExitWatcher()
    {
        var pid = _qemuPid;
        // Null only if QEMU could not be waited for, which nothing in this process causes: recorded as an unknown exit.
        _threads.ExitWatcher.Give(() => OnQemuExited(Native.WaitExitedNoReap(pid) ?? -1));
    }

    /// <summary>
    /// Records why QEMU ended. A destroy needs nothing more to know that (it is "destroyed" whatever QEMU said last), so
    /// it is recorded here at once; any other exit first lets the monitor's last events (SHUTDOWN before the exit) be
    /// handled, which decide between shutdown and crashed (<see cref="RecordExitAfterEventsAsync"/>).
    /// </summary>
    private void OnQemuExited(int code)
    {
        bool destroyed;
        lock (_lock)
        {
            destroyed = _destroyRequested || DestroyMarkedLocked();
        }
        if (destroyed)
        {
            RecordExit(code, onExitWatcher: true);
        }
        else
        {
            _ = RecordExitAfterEventsAsync(code);
        }
    }

    private async Task RecordExitAfterEventsAsync(int code)
    {
        try
        {
            await _eventPump.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            WorkerLog.Write("QMP events did not end after QEMU exited");
        }
        RecordExit(code, onExitWatcher: false);
    }

    /// <summary>
    /// Records QEMU's exit. A waiting kill is answered first (inline: <see cref="_exitRecorded"/>); then, at idle
    /// priority, the state file is rewritten and the event goes to subscribers. The kill's answer is what destroy waits
    /// for (virtd commits the exit from it); sent to subscribers first, the same event woke a thread-pool worker here
    /// and virtd's event pump there, whose work competed for the two CPUs with the answer's. Without a kill (shutdown,
    /// crash) the event goes first: virtd learns of the exit from it. Rewriting the state file is kernel work (tens of
    /// microseconds, <see cref="WorkerStateFile.Write"/>) that destroy's answer does not need to wait for. While the
    /// worker runs it answers for the guest itself; the file is for a virtd that finds it gone, and the worker does not
    /// end (nor remove the file) before it is written. Were the worker and virtd both
    /// killed in between, the file would still say "running" with a QEMU pid that is gone, which a restarted virtd
    /// reports as shut off (crashed): never as running.
    /// </summary>
    /// <param name="code">QEMU's exit status: the code, or 128 + the signal.</param>
    /// <param name="onExitWatcher">Called on the exit watcher's own thread, which ends after this and so may lower its
    /// priority; never a thread-pool thread, which would keep it.</param>
    private void RecordExit(int code, bool onExitWatcher)
    {
        _console?.GuestStopped();
        WorkerStatus final;
        int finalReason;
        WorkerEvent exited;
        Channel<WorkerEvent>[] subscribers;
        // A kill waits for this exit: its answer (written inline by _exitRecorded below) is what destroy waits for.
        bool answered;
        lock (_lock)
        {
            answered = _destroyRequested;
            _exitCode = code;
            var (reason, detail) = _destroyRequested ? (ShutoffDestroyed, StoppedDestroyed)
                : _panicked ? (ShutoffCrashed, StoppedCrashed)
                : _state == Shutdown ? (ShutoffShutdown, StoppedShutdown)
                : (ShutoffCrashed, StoppedFailed);
            // Not delivered under the lock: a subscriber that comes now replays it (the exit is recorded), and the ones
            // taken here get it below, after the kill's answer.
            // The data as text: no JsonObject built and serialized on the way to the kill's answer.
            Record("VMM_QEMU_EXITED", null, Shutoff, reason, EventStopped, detail, writeStateFile: false, deliver: false,
                dataJson: "{\"exit\":" + code.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}");
            exited = _events[^1];
            subscribers = [.. _subscribers];
            _subscribers.Clear();
            final = StatusLocked();
            finalReason = reason;
        }
        _exitRecorded.TrySetResult();
        if (answered && onExitWatcher)
        {
            // The kill is answered (inline, above) and virtd commits the destroy from that answer; what is left here
            // waits for nobody, so it gives way to virtd and vsh, which have the answer to carry on the same CPUs. The
            // answer's write woke virtd's thread on this CPU, and lowering the policy does not hand the CPU over: this
            // thread went on into the state file's rewrite, kernel work that is not preempted (PREEMPT_NONE), while
            // virtd's thread waited 0.3-0.5 ms beside it (when a rename flushed the file, tools/bench/README.md).
            // So it yields as well.
            Native.RunThreadWhenIdle(0, idle: true);
            Native.YieldCpu();
            WriteStateFile(final);
            Deliver(subscribers, exited);
        }
        else
        {
            // A shutdown or a crash: virtd learns of it from the event alone, so the event goes first.
            Deliver(subscribers, exited);
            WriteStateFile(final);
        }
        WorkerLog.Write($"QEMU exited with {(code > 128 ? $"signal {code - 128}" : $"code {code}")}: shut off, reason {finalReason}");
        // The exit is recorded (kills answer from it now), and the pidfd keeps late signals from the pid's next owner.
        Native.Reap(_qemuPid);
        _exited.TrySetResult();
    }

    // Nothing records after the exit (no QEMU; monitor events that arrive late are dropped), so the last state file
    // write cannot overtake another one, and the exit event is the last one on every stream.
    private static void Deliver(Channel<WorkerEvent>[] subscribers, WorkerEvent exited)
    {
        foreach (var subscriber in subscribers)
        {
            subscriber.Writer.TryWrite(exited);
            subscriber.Writer.TryComplete();
        }
    }

    /// <summary>Kills a QEMU that did not come up, reaps it and removes what the launch created.</summary>
    private async Task AbandonLaunchAsync()
    {
        if (_qemuPid > 0)
        {
            // The exit watcher has not started, so nothing has reaped QEMU and its pid is still its own; this is QEMU's
            // only wait, a short one after SIGKILL.
            var pid = _qemuPid;
            Native.SignalUnreaped(pid, PidFd.SigKill);
            await Task.Run(() => Native.Reap(pid));
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_spec.StateFile.Length > 0)
        {
            WorkerStateFile.Delete(_spec.StateFile);
        }
        if (_spec.ControlSocket.Length > 0)
        {
            File.Delete(_spec.ControlSocket);
        }
    }

    private string LogSince(long offset)
    {
        try
        {
            using var log = new FileStream(_spec.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var start = Math.Max(offset, log.Length - 2048);
            log.Position = start;
            using var reader = new StreamReader(log, Encoding.UTF8);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !l.Contains(" virt-vmm[", StringComparison.Ordinal));
            return string.Join(" ", lines);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
