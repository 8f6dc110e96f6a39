namespace Virt.Driver;

/// <summary>Statistics groups, libvirt's virDomainStatsTypes bits (the ones a driver here can fill).</summary>
[Flags]
public enum DomainStatsGroups
{
    None = 0,
    State = 1,
    CpuTotal = 2,
    Balloon = 4,
    Vcpu = 8,
    Interface = 16,
    Block = 32,
    All = State | CpuTotal | Balloon | Vcpu | Interface | Block,
}

/// <summary>
/// What a running guest reports (virConnectGetAllDomainStats). A group is null when it was not asked for or the
/// domain is inactive; within a group, null means the hypervisor did not report that value.
/// </summary>
public sealed record DomainRuntimeStats
{
    public required DomainSummary Domain { get; init; }

    public DomainCpuTimes? Cpu { get; init; }

    public DomainBalloon? Balloon { get; init; }

    public IReadOnlyList<VcpuRuntime>? Vcpus { get; init; }

    public IReadOnlyList<DiskStats>? Disks { get; init; }

    public IReadOnlyList<NicStats>? Interfaces { get; init; }
}

/// <summary>CPU time of the whole QEMU process, ns ("cpu.time", "cpu.user", "cpu.system").</summary>
public sealed record DomainCpuTimes(ulong TotalNs, ulong UserNs, ulong SystemNs);

/// <summary>The balloon, KiB: what the guest has now (<c>actual</c>), the maximum, QEMU's RSS, and the guest's own statistics when it reports them.</summary>
public sealed record DomainBalloon
{
    public ulong CurrentKiB { get; init; }

    public ulong MaximumKiB { get; init; }

    public ulong? RssKiB { get; init; }

    public ulong? SwapInKiB { get; init; }

    public ulong? SwapOutKiB { get; init; }

    public ulong? MajorFaults { get; init; }

    public ulong? MinorFaults { get; init; }

    public ulong? UnusedKiB { get; init; }

    public ulong? AvailableKiB { get; init; }

    public ulong? UsableKiB { get; init; }

    public ulong? DiskCachesKiB { get; init; }

    public ulong? HugetlbAllocations { get; init; }

    public ulong? HugetlbFailures { get; init; }

    public long? LastUpdateEpochSeconds { get; init; }
}

/// <summary>One vCPU: its thread's CPU time, the host CPU it last ran on, whether the guest halted it.</summary>
public sealed record VcpuRuntime(uint Number, ulong? TimeNs, int HostCpu, bool? Halted, ulong? DelayNs);

/// <summary>
/// One disk ("block.N.*"), by target name: its counters while the guest runs (null otherwise), and its sizes where
/// known.
/// </summary>
public sealed record DiskStats
{
    public required string Name { get; init; }

    public string Path { get; init; } = "";

    public DiskCounters? Counters { get; init; }

    public ulong? CapacityBytes { get; init; }

    public ulong? AllocationBytes { get; init; }

    public ulong? PhysicalBytes { get; init; }
}

/// <summary>
/// A running disk's I/O counters ("block.N.rd.*", "wr.*", "fl.*", "errors"; domblkstat), times in ns; null where the
/// driver does not count (QEMU has no error count, libvirt's test driver no flushes or times).
/// </summary>
public sealed record DiskCounters
{
    public ulong? ReadRequests { get; init; }

    public ulong? ReadBytes { get; init; }

    public ulong? ReadTimeNs { get; init; }

    public ulong? WriteRequests { get; init; }

    public ulong? WriteBytes { get; init; }

    public ulong? WriteTimeNs { get; init; }

    public ulong? FlushRequests { get; init; }

    public ulong? FlushTimeNs { get; init; }

    public ulong? Errors { get; init; }
}

/// <summary>One network interface's counters ("net.N.*"), as the host side sees them.</summary>
public sealed record NicStats
{
    public required string Name { get; init; }

    public string Mac { get; init; } = "";

    public ulong RxBytes { get; init; }

    public ulong RxPackets { get; init; }

    public ulong RxErrors { get; init; }

    public ulong RxDrops { get; init; }

    public ulong TxBytes { get; init; }

    public ulong TxPackets { get; init; }

    public ulong TxErrors { get; init; }

    public ulong TxDrops { get; init; }
}
