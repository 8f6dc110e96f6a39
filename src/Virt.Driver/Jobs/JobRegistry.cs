using System.Runtime.CompilerServices;

namespace Virt.Driver.Jobs;

/// <summary>
/// Every long operation's job: drivers start one (<see cref="Start"/> or <see cref="Run"/>), report progress and end it
/// through its <see cref="JobHandle"/>; the API reads, watches, waits for and cancels them. Job state is published as
/// immutable <see cref="JobInfo"/> snapshots, so readers never wait behind a job. State changes are appended to the
/// event log (<see cref="JobStateChangedEvent"/>), progress at most once a second per job as a live-only
/// <see cref="JobProgressEvent"/>. Ended jobs are kept as <see cref="JobRetention"/> says, and the last ended job of each
/// domain is kept for <c>domjobinfo --completed</c> until it is read.
/// </summary>
public sealed class JobRegistry
{
    private static readonly TimeSpan _progressEventInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _jobs = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _ended = new();
    private readonly Dictionary<Guid, JobInfo> _completedByDomain = [];
    private readonly EventLog? _events;
    private readonly JobRetention _retention;
    private readonly TimeProvider _clock;
    private long _sequence;

    /// <param name="events">Where job state changes and progress are announced; null: nowhere.</param>
    /// <param name="retention">How long ended jobs stay readable.</param>
    /// <param name="clock">Time source, replaceable in tests.</param>
    public JobRegistry(EventLog? events = null, JobRetention? retention = null, TimeProvider? clock = null)
    {
        _events = events;
        _retention = retention ?? new JobRetention();
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// Registers a job (RUNNING, or PENDING when <see cref="JobStart.Pending"/>) and returns the handle its driver ends
    /// it with. The caller owns the handle: disposing it without an outcome fails the job.
    /// </summary>
    public JobHandle Start(JobStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var now = _clock.GetUtcNow();
        var entry = new Entry(new JobInfo
        {
            Id = NewId(now),
            Operation = start.Operation,
            State = start.Pending ? JobState.Pending : JobState.Running,
            Domain = start.Domain,
            Volume = start.Volume,
            Description = start.Description,
            CreateTime = now,
            StartTime = start.Pending ? null : now,
            Cancellable = start.Cancellable,
        });
        lock (_lock)
        {
            _jobs.Add(entry.Info.Id, entry);
            _events?.Append(new JobStateChangedEvent(entry.Info));
        }
        return new JobHandle(this, entry);
    }

    /// <summary>
    /// Starts a job and runs <paramref name="work"/> for it in the background; returns the job as it is once started.
    /// The work's result ends it SUCCEEDED, an exception FAILED (CANCELLED once cancellation was requested).
    /// </summary>
    public JobInfo Run(JobStart start, Func<JobHandle, Task<JobResult?>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var handle = Start(start);
        var info = handle.Info;
        _ = Task.Run(async () =>
        {
            using (handle)
            {
                try
                {
                    handle.Succeed(await work(handle).ConfigureAwait(false));
                }
                catch (Exception e)
                {
                    handle.Fail(e);
                }
            }
        });
        return info;
    }

    /// <summary>The job, running or retained; <see cref="VirtErrorReason.JobNotFound"/> otherwise.</summary>
    public JobInfo Get(string id) => Find(id) ?? throw NotFound(id);

    /// <summary>The job, running or retained, or null.</summary>
    public JobInfo? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            Prune();
            return _jobs.TryGetValue(id, out var entry) ? Current(entry) : null;
        }
    }

    /// <summary>Running and retained jobs, newest first (ids sort in creation order).</summary>
    public IReadOnlyList<JobInfo> List()
    {
        lock (_lock)
        {
            Prune();
            return [.. _jobs.Values.Select(Current).OrderByDescending(j => j.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>The pending or running job on a domain (the newest, should there be several), or null.</summary>
    public JobInfo? ActiveOn(Guid domain)
    {
        lock (_lock)
        {
            return _jobs.Values.Where(e => !e.Info.IsEnded && e.Info.Domain?.Uuid == domain)
                .OrderByDescending(e => e.Info.CreateTime).Select(Current).FirstOrDefault();
        }
    }

    /// <summary>
    /// The last ended job of a domain (libvirt's completed job statistics), or null. Reading it discards it unless
    /// <paramref name="keep"/>, as virDomainGetJobStats does without VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED.
    /// </summary>
    public JobInfo? LastCompletedOn(Guid domain, bool keep)
    {
        lock (_lock)
        {
            if (!_completedByDomain.TryGetValue(domain, out var info))
            {
                return null;
            }
            if (!keep)
            {
                _completedByDomain.Remove(domain);
            }
            return info;
        }
    }

    /// <summary>
    /// Asks a job to stop (CancelJob, virsh domjobabort): its token fires, and it ends CANCELLED at its next safe point
    /// with the object left as before. <see cref="VirtErrorReason.OperationInvalid"/> when it has ended or cannot be
    /// cancelled now. Returns the job as it is (usually still running).
    /// </summary>
    public JobInfo Cancel(string id)
    {
        Entry entry;
        lock (_lock)
        {
            entry = _jobs.TryGetValue(id, out var found) ? found : throw NotFound(id);
            RequestCancel(entry, Cancelled(ByClient(entry.Info.Operation), entry.Info.Id));
        }
        return Requested(entry);
    }

    /// <summary>Cancels the active job on a domain (virsh domjobabort DOMAIN); libvirt's error when there is none.</summary>
    public JobInfo CancelActiveOn(Guid domain, string domainName)
    {
        Entry entry;
        lock (_lock)
        {
            entry = _jobs.Values.Where(e => !e.Info.IsEnded && e.Info.Domain?.Uuid == domain).MaxBy(e => e.Info.CreateTime)
                ?? throw new VirtException(VirtErrorReason.OperationInvalid, "Requested operation is not valid: no job is active on the domain",
                    new Dictionary<string, string> { ["domain"] = domainName });
            RequestCancel(entry, Cancelled(ByClient(entry.Info.Operation), entry.Info.Id));
        }
        return Requested(entry);
    }

    /// <summary>
    /// Cancels every active job on a domain whatever their cancellable flag (destroy is always allowed and ends the
    /// running job). Returns how many were asked to stop.
    /// </summary>
    public int CancelAllOn(Guid domain, string why)
    {
        List<Entry> entries;
        lock (_lock)
        {
            entries = [.. _jobs.Values.Where(e => !e.Info.IsEnded && e.Info.Domain?.Uuid == domain)];
            foreach (var entry in entries)
            {
                entry.CancelError ??= Cancelled(why, entry.Info.Id);
            }
        }
        foreach (var entry in entries)
        {
            Requested(entry);
        }
        return entries.Count;
    }

    /// <summary>Returns the job once it has ended. Cancelling the wait never cancels the job.</summary>
    public async Task<JobInfo> WaitAsync(string id, CancellationToken cancellationToken)
    {
        Task<JobInfo> ended;
        lock (_lock)
        {
            ended = (_jobs.TryGetValue(id, out var entry) ? entry : throw NotFound(id)).Ended.Task;
        }
        return await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns the job once it has ended SUCCEEDED; a job that failed or was cancelled throws its error, as the
    /// synchronous call would have (callers with <c>wait = true</c>). Cancelling the wait never cancels the job.
    /// </summary>
    public async Task<JobInfo> WaitForSuccessAsync(string id, CancellationToken cancellationToken)
    {
        var ended = await WaitAsync(id, cancellationToken).ConfigureAwait(false);
        return ended.State == JobState.Succeeded
            ? ended
            : throw ended.Error ?? new VirtException(VirtErrorReason.Internal, $"Job {ended.Id} ended {ended.State} without an error.");
    }

    /// <summary>
    /// The job now, then at every state change at once and on progress at most every <paramref name="minInterval"/>;
    /// the last item is the ended job. Cancelling the watch never cancels the job.
    /// </summary>
    public async IAsyncEnumerable<JobInfo> WatchAsync(string id, TimeSpan minInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (info, changed, stateChanged) = Observe(id);
        yield return info;
        var sent = _clock.GetTimestamp();
        while (!info.IsEnded)
        {
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            var (next, _, _) = Observe(id);
            if (next.State == info.State && next.Cancellable == info.Cancellable)
            {
                // Progress only: no more often than asked, but a state change during the wait goes out at once.
                var wait = minInterval - _clock.GetElapsedTime(sent);
                if (wait > TimeSpan.Zero)
                {
                    await Task.WhenAny(Task.Delay(wait, _clock, cancellationToken), stateChanged).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            (info, changed, stateChanged) = Observe(id);
            yield return info;
            sent = _clock.GetTimestamp();
        }
    }

    private (JobInfo Info, Task Changed, Task StateChanged) Observe(string id)
    {
        lock (_lock)
        {
            var entry = _jobs.TryGetValue(id, out var found) ? found : throw NotFound(id);
            return (Current(entry), entry.Changed.Task, entry.StateChanged.Task);
        }
    }

    internal JobInfo Snapshot(Entry entry)
    {
        lock (_lock)
        {
            return Current(entry);
        }
    }

    internal void Report(Entry entry, JobProgress progress)
    {
        lock (_lock)
        {
            if (entry.Info.IsEnded)
            {
                return;
            }
            entry.Info = entry.Info with { Progress = progress };
            var published = Current(entry);
            entry.Signal(state: false);
            var now = _clock.GetTimestamp();
            if (_events is not null && (entry.LastProgressEvent is not { } last || _clock.GetElapsedTime(last, now) >= _progressEventInterval))
            {
                entry.LastProgressEvent = now;
                _events.AppendLive(new JobProgressEvent(published));
            }
        }
    }

    internal void Change(Entry entry, Func<JobInfo, DateTimeOffset, JobInfo> change)
    {
        lock (_lock)
        {
            if (entry.Info.IsEnded)
            {
                return;
            }
            var before = entry.Info;
            entry.Info = change(before, _clock.GetUtcNow());
            if (entry.Info.State != before.State || entry.Info.Cancellable != before.Cancellable)
            {
                entry.Signal(state: true);
                _events?.Append(new JobStateChangedEvent(Current(entry)));
            }
        }
    }

    internal JobInfo End(Entry entry, JobResult? result, Exception? error)
    {
        JobInfo ended;
        lock (_lock)
        {
            if (entry.Info.IsEnded)
            {
                return entry.Info;
            }
            var now = _clock.GetUtcNow();
            var progress = entry.Info.Progress with { Elapsed = entry.Info.StartTime is { } started ? now - started : TimeSpan.Zero };
            if (error is null)
            {
                ended = entry.Info with
                {
                    State = JobState.Succeeded,
                    EndTime = now,
                    Progress = progress,
                    Cancellable = false,
                    Result = (result ?? new JobResult()) with { FinalStats = result?.FinalStats ?? progress },
                };
            }
            else
            {
                // Once cancellation was asked for, the job's failure is the cancellation's doing (a cancelled QEMU
                // migration reports its own error, a cancelled copy an OperationCanceledException).
                var cancelled = entry.CancelError is not null;
                ended = entry.Info with
                {
                    State = cancelled ? JobState.Cancelled : JobState.Failed,
                    EndTime = now,
                    Progress = progress,
                    Cancellable = false,
                    Error = cancelled ? entry.CancelError : AsVirtException(error),
                };
            }
            entry.Info = ended;
            _ended.Enqueue(entry);
            if (ended.Domain is { } domain)
            {
                _completedByDomain[domain.Uuid] = ended;
            }
            entry.Signal(state: true);
            _events?.Append(new JobStateChangedEvent(ended));
            Prune();
        }
        // The token source is not disposed: a job's work may still hold its token (it owns no timer).
        entry.Ended.TrySetResult(ended);
        return ended;
    }

    private static void RequestCancel(Entry entry, VirtException error)
    {
        if (entry.Info.IsEnded)
        {
            throw new VirtException(VirtErrorReason.OperationInvalid,
                $"Requested operation is not valid: job {entry.Info.Id} has already ended ({entry.Info.State.ToString().ToLowerInvariant()}).",
                new Dictionary<string, string> { ["job"] = entry.Info.Id });
        }
        if (!entry.Info.Cancellable)
        {
            throw new VirtException(VirtErrorReason.OperationInvalid,
                $"Requested operation is not valid: job {entry.Info.Id} cannot be cancelled in its current phase.",
                new Dictionary<string, string> { ["job"] = entry.Info.Id });
        }
        entry.CancelError ??= error;
    }

    private JobInfo Requested(Entry entry)
    {
        // Outside the lock: the job's cancellation callbacks run synchronously and may report.
        entry.Cancellation.Cancel();
        return Snapshot(entry);
    }

    private JobInfo Current(Entry entry) =>
        entry.Info is { IsEnded: false, StartTime: { } started } running
            ? running with { Progress = running.Progress with { Elapsed = _clock.GetUtcNow() - started } }
            : entry.Info;

    private void Prune()
    {
        var now = _clock.GetUtcNow();
        while (_ended.Count > 0 && (_ended.Count > _retention.MaximumEnded
            || _ended.Count > _retention.MinimumEnded && now - _ended.Peek().Info.EndTime > _retention.Lifetime))
        {
            _jobs.Remove(_ended.Dequeue().Info.Id);
        }
    }

    /// <summary>
    /// Creation time in ms, a counter and random bits, in hex: ids sort in creation order (ordinal), and are unique
    /// across daemon restarts without persisting anything.
    /// </summary>
    private string NewId(DateTimeOffset now)
    {
        var sequence = (ulong)Interlocked.Increment(ref _sequence) & 0xFFFFFF;
        Span<byte> random = stackalloc byte[7];
        Random.Shared.NextBytes(random);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(ulong)now.ToUnixTimeMilliseconds():x12}{sequence:x6}{Convert.ToHexStringLower(random)}");
    }

    private static VirtException AsVirtException(Exception error) => error switch
    {
        VirtException virt => virt,
        OperationCanceledException => new VirtException(VirtErrorReason.OperationCancelled, "operation aborted: the job was interrupted", inner: error),
        _ => new VirtException(VirtErrorReason.Internal, $"internal error: {error.Message}", inner: error),
    };

    /// <summary>
    /// libvirt's words for a job a client aborted, "JOB: canceled by client", with its qemuMigrationJobName for the
    /// job (virsh prints "operation aborted: migration out job: canceled by client"); jobs libvirt has no name for
    /// say only "canceled by client".
    /// </summary>
    internal static string ByClient(JobOperation operation) => operation switch
    {
        JobOperation.MigrationOut => "migration out job: canceled by client",
        JobOperation.MigrationIn => "migration in job: canceled by client",
        JobOperation.Save or JobOperation.ManagedSave => "domain save job: canceled by client",
        JobOperation.Dump => "domain core dump job: canceled by client",
        JobOperation.Snapshot => "snapshot job: canceled by client",
        JobOperation.Start or JobOperation.Restore => "start job: canceled by client",
        JobOperation.Backup => "backup job: canceled by client",
        _ => "canceled by client",
    };

    private static VirtException Cancelled(string why, string id) =>
        new(VirtErrorReason.OperationCancelled, $"operation aborted: {why}", new Dictionary<string, string> { ["job"] = id });

    private static VirtException NotFound(string id) =>
        new(VirtErrorReason.JobNotFound, $"Job not found: no job with id '{id}' (it never existed or ended more than an hour ago).",
            new Dictionary<string, string> { ["job"] = id });

    /// <summary>One job's mutable state; every field is guarded by the registry's lock.</summary>
    internal sealed class Entry(JobInfo info)
    {
        public JobInfo Info { get; set; } = info;

        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>Set once cancellation was asked for: the error the job ends with.</summary>
        public VirtException? CancelError { get; set; }

        public long? LastProgressEvent { get; set; }

        public TaskCompletionSource<JobInfo> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource StateChanged { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Wakes watchers: any change, and state watchers too when <paramref name="state"/>.</summary>
        public void Signal(bool state)
        {
            var changed = Changed;
            Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
            if (state)
            {
                var stateChanged = StateChanged;
                StateChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                stateChanged.TrySetResult();
            }
        }
    }
}
