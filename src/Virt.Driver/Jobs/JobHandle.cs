namespace Virt.Driver.Jobs;

/// <summary>
/// The driver's side of one job: its cancellation token, progress reports and its end. Exactly one of
/// <see cref="Succeed"/> or <see cref="Fail"/> ends it; disposing it before that fails it, so a job never stays
/// RUNNING after its work is gone.
/// </summary>
public sealed class JobHandle : IDisposable
{
    private readonly JobRegistry _registry;
    private readonly JobRegistry.Entry _entry;

    internal JobHandle(JobRegistry registry, JobRegistry.Entry entry)
    {
        _registry = registry;
        _entry = entry;
        CancellationToken = entry.Cancellation.Token;
    }

    public string Id => _entry.Info.Id;

    /// <summary>Fires when the job is cancelled (CancelJob, domjobabort, or destroying its domain).</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The job as published now.</summary>
    public JobInfo Info => _registry.Snapshot(_entry);

    /// <summary>Replaces the job's progress (the registry stamps the elapsed time).</summary>
    public void Report(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        _registry.Report(_entry, progress);
    }

    /// <summary>Whether CancelJob may stop it from now on (false once a step cannot be undone).</summary>
    public void SetCancellable(bool cancellable) => _registry.Change(_entry, (j, _) => j with { Cancellable = cancellable });

    /// <summary>A PENDING job starts running now.</summary>
    public void MarkRunning() =>
        _registry.Change(_entry, (j, now) => j.State == JobState.Pending ? j with { State = JobState.Running, StartTime = now } : j);

    /// <summary>Ends the job SUCCEEDED.</summary>
    public JobInfo Succeed(JobResult? result = null) => _registry.End(_entry, result, error: null);

    /// <summary>Ends the job FAILED with <paramref name="error"/>, or CANCELLED if cancellation was asked for.</summary>
    public JobInfo Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return _registry.End(_entry, result: null, error);
    }

    public void Dispose()
    {
        if (!_entry.Info.IsEnded)
        {
            Fail(new VirtException(VirtErrorReason.Internal, "internal error: the job ended without reporting an outcome"));
        }
    }
}
