namespace Virt.Driver.Jobs;

/// <summary>
/// A job's progress, modelled on libvirt's typed job statistics (virDomainGetJobStats; <c>virt.v1.JobProgress</c>).
/// Null means "not measured by this job". Sizes are bytes. The registry stamps <see cref="Elapsed"/>; a job reports the
/// rest through <see cref="JobHandle.Report"/>.
/// </summary>
public sealed record JobProgress
{
    /// <summary>Free-form phase for humans ("setup", "active", "writing header"); never parsed.</summary>
    public string? Phase { get; init; }

    /// <summary>Since the job started (libvirt's time_elapsed); set by the registry.</summary>
    public TimeSpan Elapsed { get; init; }

    public TimeSpan? Remaining { get; init; }

    /// <summary>Expected downtime while a migration runs, actual once completed.</summary>
    public TimeSpan? Downtime { get; init; }

    public TimeSpan? SetupTime { get; init; }

    public ulong? DataTotalBytes { get; init; }

    public ulong? DataProcessedBytes { get; init; }

    public ulong? DataRemainingBytes { get; init; }

    public ulong? MemoryTotalBytes { get; init; }

    public ulong? MemoryProcessedBytes { get; init; }

    public ulong? MemoryRemainingBytes { get; init; }

    public ulong? MemoryBytesPerSecond { get; init; }

    public ulong? MemoryDirtyRatePagesPerSecond { get; init; }

    public ulong? MemoryIteration { get; init; }

    public ulong? MemoryPageSizeBytes { get; init; }

    public ulong? MemoryConstantPages { get; init; }

    public ulong? MemoryNormalPages { get; init; }

    public ulong? MemoryNormalBytes { get; init; }

    public ulong? MemoryPostcopyRequests { get; init; }

    public ulong? DiskTotalBytes { get; init; }

    public ulong? DiskProcessedBytes { get; init; }

    public ulong? DiskRemainingBytes { get; init; }

    public ulong? DiskBytesPerSecond { get; init; }

    public uint? AutoConvergeThrottlePercent { get; init; }

    /// <summary>The common case of a job that moves a known amount of data: total, processed and what remains.</summary>
    public static JobProgress Data(string phase, ulong total, ulong processed) => new()
    {
        Phase = phase,
        DataTotalBytes = total,
        DataProcessedBytes = processed,
        DataRemainingBytes = total > processed ? total - processed : 0,
    };
}
