namespace Virt.Cli.Output;

/// <summary>
/// What <c>virsh domjobinfo</c> prints: the job type, the operation and libvirt's typed statistics (null: not reported,
/// so the line is left out, as virsh does for a parameter the driver did not send).
/// </summary>
public sealed record DomainJobInfo
{
    /// <summary>virDomainJobType: 0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled.</summary>
    public int Type { get; init; }

    /// <summary>virDomainJobOperation (0-10); anything else prints as Unknown.</summary>
    public int Operation { get; init; }

    /// <summary>libvirt's time_elapsed, ms.</summary>
    public ulong ElapsedMs { get; init; }

    /// <summary>libvirt's time_elapsed_net, ms.</summary>
    public ulong? ElapsedNetMs { get; init; }

    /// <summary>libvirt's time_remaining, ms (printed for bounded jobs).</summary>
    public ulong RemainingMs { get; init; }

    /// <summary>libvirt's data_total, bytes.</summary>
    public ulong DataTotal { get; init; }

    /// <summary>libvirt's data_processed, bytes.</summary>
    public ulong DataProcessed { get; init; }

    /// <summary>libvirt's data_remaining, bytes.</summary>
    public ulong DataRemaining { get; init; }

    /// <summary>libvirt's memory_total, bytes.</summary>
    public ulong MemoryTotal { get; init; }

    /// <summary>libvirt's memory_processed, bytes.</summary>
    public ulong MemoryProcessed { get; init; }

    /// <summary>libvirt's memory_remaining, bytes.</summary>
    public ulong MemoryRemaining { get; init; }

    /// <summary>libvirt's memory_bps.</summary>
    public ulong? MemoryBytesPerSecond { get; init; }

    /// <summary>libvirt's memory_dirty_rate, pages/s.</summary>
    public ulong? DirtyRate { get; init; }

    /// <summary>libvirt's memory_page_size, bytes.</summary>
    public ulong? PageSize { get; init; }

    /// <summary>libvirt's memory_iteration.</summary>
    public ulong? Iteration { get; init; }

    /// <summary>libvirt's memory_postcopy_requests.</summary>
    public ulong? PostcopyRequests { get; init; }

    /// <summary>libvirt's disk_total, bytes.</summary>
    public ulong DiskTotal { get; init; }

    /// <summary>libvirt's disk_processed, bytes.</summary>
    public ulong DiskProcessed { get; init; }

    /// <summary>libvirt's disk_remaining, bytes.</summary>
    public ulong DiskRemaining { get; init; }

    /// <summary>libvirt's disk_bps.</summary>
    public ulong? DiskBytesPerSecond { get; init; }

    /// <summary>libvirt's memory_constant.</summary>
    public ulong? ConstantPages { get; init; }

    /// <summary>libvirt's memory_normal.</summary>
    public ulong? NormalPages { get; init; }

    /// <summary>libvirt's memory_normal_bytes.</summary>
    public ulong? NormalBytes { get; init; }

    /// <summary>libvirt's downtime, ms (expected while running, total once completed).</summary>
    public ulong? DowntimeMs { get; init; }

    /// <summary>libvirt's downtime_net, ms.</summary>
    public ulong? DowntimeNetMs { get; init; }

    /// <summary>libvirt's setup_time, ms.</summary>
    public ulong? SetupTimeMs { get; init; }

    /// <summary>libvirt's auto_converge_throttle, percent.</summary>
    public int? AutoConvergeThrottle { get; init; }

    /// <summary>libvirt's errmsg, for a failed job.</summary>
    public string? ErrorMessage { get; init; }
}
