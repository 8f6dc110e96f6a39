namespace Virt.Driver;

/// <summary>
/// Resources and statistics of running guests (virsh setmem, setmaxmem, setvcpus, vcpupin, emulatorpin, domstats,
/// domblkstat, dommemstat --period, send-key; screenshot is <see cref="IDomainScreenshot"/>). A separate contract from
/// <see cref="IDomainDriver"/> because not every driver has it: the API answers OPERATION_UNSUPPORTED for a driver that does not implement it. The <c>modification</c>
/// rules are libvirt's virDomainModificationImpact: current means live when active and config otherwise; live on an
/// inactive domain and config on a transient one are <see cref="VirtErrorReason.OperationInvalid"/>.
/// </summary>
public interface IDomainRuntime : IDomainVcpuInfo, IDomainPinning, IDomainResources, IDomainKeyboard, IDomainMemoryStats, IDomainDeviceStats
{
    /// <summary>Statistics of an active domain (an inactive one has its state only).</summary>
    Task<DomainRuntimeStats> GetStatsAsync(DomainRef domain, DomainStatsGroups groups, CancellationToken cancellationToken);
}

/// <summary>
/// virsh setmem, setmaxmem, setvcpus and dommemstat --period (virDomainSetMemoryFlags, virDomainSetVcpusFlags,
/// virDomainSetMemoryStatsPeriod). Its own contract, which <see cref="IDomainRuntime"/> includes, because libvirt's
/// test driver changes these without the rest.
/// </summary>
public interface IDomainResources
{
    /// <summary>The current memory (the balloon target when live). At most the maximum; live needs a balloon device.</summary>
    Task<DomainSummary> SetMemoryAsync(DomainRef domain, ulong memoryKiB, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>The maximum memory. Config only: changing it live needs memory hotplug.</summary>
    Task<DomainSummary> SetMaxMemoryAsync(DomainRef domain, ulong maxMemoryKiB, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>The vCPU count (or, with <paramref name="maximum"/>, the maximum). Live vCPU hotplug is unsupported.</summary>
    Task<DomainSummary> SetVcpusAsync(DomainRef domain, uint count, bool maximum, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>
    /// How often, in seconds, the guest's balloon driver reports its memory statistics (virsh dommemstat --period,
    /// &lt;memballoon&gt;&lt;stats period/&gt;); 0 stops the reports. Needs a balloon device.
    /// </summary>
    Task<DomainSummary> SetMemoryStatsPeriodAsync(DomainRef domain, uint periodSeconds, DomainModification modification, CancellationToken cancellationToken);
}

/// <summary>virsh send-key (virDomainSendKey); its own contract for the same reason as <see cref="IDomainResources"/>.</summary>
public interface IDomainKeyboard
{
    /// <summary>Presses <paramref name="qnumCodes"/> (QEMU's "qnum" numbering: XT scancodes, 0xe0 prefix as 0x80) together for <paramref name="holdTimeMs"/>.</summary>
    Task SendKeyAsync(DomainRef domain, IReadOnlyList<uint> qnumCodes, uint holdTimeMs, CancellationToken cancellationToken);
}

/// <summary>
/// virsh domblkstat and domifstat (virDomainBlockStats, virDomainInterfaceStats) of an active domain; its own contract
/// for the same reason as <see cref="IDomainResources"/>.
/// </summary>
public interface IDomainDeviceStats
{
    /// <summary>One disk's counters, by target ("vda") or source path; an empty <paramref name="device"/> asks for every disk's sum.</summary>
    Task<DiskCounters> GetBlockStatsAsync(DomainRef domain, string device, CancellationToken cancellationToken);

    /// <summary>One interface's counters, by its host device or MAC address.</summary>
    Task<NicStats> GetInterfaceStatsAsync(DomainRef domain, string device, CancellationToken cancellationToken);
}

/// <summary>virsh dommemstat (virDomainMemoryStats) of an active domain; its own contract for the same reason as <see cref="IDomainResources"/>.</summary>
public interface IDomainMemoryStats
{
    /// <summary>The balloon's figures: what the guest has, and what the guest itself last reported.</summary>
    Task<DomainBalloon> GetMemoryStatsAsync(DomainRef domain, CancellationToken cancellationToken);
}

/// <summary>
/// virsh vcpupin and emulatorpin with a cpulist (virDomainPinVcpuFlags, virDomainPinEmulator). Its own contract, which
/// <see cref="IDomainRuntime"/> includes, because libvirt's test driver pins without the rest.
/// </summary>
public interface IDomainPinning
{
    /// <summary>The host CPUs one vCPU may run on (live: the vCPU thread's affinity; config: &lt;vcpupin&gt;).</summary>
    Task<DomainSummary> PinVcpuAsync(DomainRef domain, uint vcpu, IReadOnlyList<uint> hostCpus, DomainModification modification, CancellationToken cancellationToken);

    /// <summary>The host CPUs the emulator threads (every QEMU thread but the vCPUs) may run on.</summary>
    Task<DomainSummary> PinEmulatorAsync(DomainRef domain, IReadOnlyList<uint> hostCpus, DomainModification modification, CancellationToken cancellationToken);
}

/// <summary>
/// What virsh vcpucount, vcpuinfo and the query forms of vcpupin and emulatorpin read (virDomainGetVcpus,
/// virDomainGetVcpuPinInfo, virDomainGetEmulatorPinInfo). Its own contract, which <see cref="IDomainRuntime"/>
/// includes, because libvirt's test driver answers these without the rest.
/// </summary>
public interface IDomainVcpuInfo
{
    /// <summary>
    /// The vCPU counts of the persistent and the live definition and, for an active domain, each online vCPU's thread
    /// (its CPU time, the host CPU it last ran on, its affinity).
    /// </summary>
    Task<DomainVcpus> GetVcpusAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>Each vCPU's allowed host CPUs: live from the threads of an active domain, else (or with <paramref name="config"/>) from the definition.</summary>
    Task<IReadOnlyList<VcpuAffinity>> GetVcpuPinInfoAsync(DomainRef domain, bool config, CancellationToken cancellationToken);

    /// <summary>The emulator threads' allowed host CPUs, live or from the definition as <see cref="GetVcpuPinInfoAsync"/>.</summary>
    Task<IReadOnlyList<uint>> GetEmulatorPinInfoAsync(DomainRef domain, bool config, CancellationToken cancellationToken);
}

/// <summary>The host CPUs one vCPU may run on, ascending.</summary>
public sealed record VcpuAffinity(uint Vcpu, IReadOnlyList<uint> HostCpus);

/// <summary>
/// vCPU counts (0 where there is no such definition: live for an inactive domain, config for a transient one) and the
/// online vCPUs of an active domain.
/// </summary>
public sealed record DomainVcpus(uint MaximumConfig, uint CurrentConfig, uint MaximumLive, uint CurrentLive, IReadOnlyList<VcpuThread> Vcpus);

/// <summary>One online vCPU: the user and system CPU time of its thread, the host CPU it last ran on, and where it may run.</summary>
public sealed record VcpuThread(uint Number, ulong CpuTimeNs, int HostCpu, IReadOnlyList<uint> Affinity);
