namespace Virt.Driver.Jobs;

/// <summary>The domain a job works on, as it was named when the job started.</summary>
/// <param name="Name">The domain's name.</param>
/// <param name="Uuid">The domain's UUID.</param>
/// <param name="Id">Its runtime id while active, -1 otherwise.</param>
public sealed record JobDomain(string Name, Guid Uuid, int Id = -1)
{
    public static JobDomain Of(DomainSummary domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return new JobDomain(domain.Name, domain.Uuid, domain.Id);
    }
}

/// <summary>The volume a job works on.</summary>
public sealed record JobVolume(string PoolName, Guid PoolUuid, string Name, string Key, string Path)
{
    public static JobVolume Of(StorageVolumeSummary volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return new JobVolume(volume.PoolName, volume.PoolUuid, volume.Name, volume.Key, volume.Path);
    }
}

/// <summary>What a successful job produced; only what applies to its operation is set.</summary>
public sealed record JobResult
{
    /// <summary>The domain that now exists or runs (restore, clone, migration).</summary>
    public JobDomain? Domain { get; init; }

    /// <summary>The volume written or created.</summary>
    public JobVolume? Volume { get; init; }

    /// <summary>A shutdown with a timeout had to destroy the guest.</summary>
    public bool Forced { get; init; }

    /// <summary>Final statistics; the registry fills in the job's last progress when this is null.</summary>
    public JobProgress? FinalStats { get; init; }

    /// <summary>A volume upload or download copied through the caller's own file descriptor (the local fast path), not the stream.</summary>
    public bool LocalFile { get; init; }
}

/// <summary>
/// A job as the registry last published it: immutable, so readers never see half a change. <see cref="Error"/> is set
/// when the job failed or was cancelled (a <see cref="VirtException"/>, the same one a synchronous call would have thrown).
/// </summary>
public sealed record JobInfo
{
    public required string Id { get; init; }

    public required JobOperation Operation { get; init; }

    public required JobState State { get; init; }

    public JobDomain? Domain { get; init; }

    public JobVolume? Volume { get; init; }

    /// <summary>One line for humans ("save web1 to /var/tmp/web1.save").</summary>
    public string Description { get; init; } = "";

    public required DateTimeOffset CreateTime { get; init; }

    /// <summary>Null while pending.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Set once ended.</summary>
    public DateTimeOffset? EndTime { get; init; }

    public JobProgress Progress { get; init; } = new();

    /// <summary>Whether <see cref="JobRegistry.Cancel"/> may be used now.</summary>
    public bool Cancellable { get; init; }

    public JobResult? Result { get; init; }

    public VirtException? Error { get; init; }

    public bool IsEnded => State.IsEnded();
}
