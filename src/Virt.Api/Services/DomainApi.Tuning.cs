using Google.Protobuf;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using DomainRef = Virt.Driver.DomainRef;
using DriverState = Virt.Driver.DomainState;

namespace Virt.Api;

/// <summary>
/// Resources and statistics of running guests over <see cref="IDomainRuntime"/>: setmem, setmaxmem, setvcpus,
/// vcpucount and vcpuinfo (GetVcpus), vcpupin, emulatorpin, domstats, domblkstat, domifstat, dommemstat (and its --period), send-key; screenshot over
/// <see cref="IDomainScreenshot"/>. A driver without the contract answers libvirt's "this function is not supported by the connection driver".
/// </summary>
internal sealed partial class DomainApi
{
    public override async Task<SetMemoryResponse> SetMemory(SetMemoryRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        await Contract<IDomainResources>("virDomainSetMemoryFlags").SetMemoryAsync(reference, request.MemoryKib, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        return new SetMemoryResponse();
    }

    public override async Task<SetMaxMemoryResponse> SetMaxMemory(SetMaxMemoryRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        await Contract<IDomainResources>("virDomainSetMaxMemory").SetMaxMemoryAsync(reference, request.MaxMemoryKib, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        return new SetMaxMemoryResponse();
    }

    public override async Task<SetMemoryStatsPeriodResponse> SetMemoryStatsPeriod(SetMemoryStatsPeriodRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        await Contract<IDomainResources>("virDomainSetMemoryStatsPeriod").SetMemoryStatsPeriodAsync(reference, request.PeriodSeconds, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        return new SetMemoryStatsPeriodResponse();
    }

    public override async Task<SetVcpusResponse> SetVcpus(SetVcpusRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        Requests.Unsupported(request.Guest, "guest", "changing the vCPUs online in the guest (--guest needs the guest agent)");
        Requests.Unsupported(request.Hotpluggable, "hotpluggable", "hot-unpluggable vCPUs (--hotpluggable)");
        await Contract<IDomainResources>("virDomainSetVcpusFlags").SetVcpusAsync(reference, request.Count, request.Maximum, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        return new SetVcpusResponse();
    }

    public override async Task<PinVcpuResponse> PinVcpu(PinVcpuRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var cpus = HostCpus(request.HostCpus);
        await Contract<IDomainPinning>("virDomainPinVcpuFlags").PinVcpuAsync(reference, request.Vcpu, cpus, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        return new PinVcpuResponse();
    }

    public override async Task<PinEmulatorResponse> PinEmulator(PinEmulatorRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var cpus = HostCpus(request.HostCpus);
        await Contract<IDomainPinning>("virDomainPinEmulator").PinEmulatorAsync(reference, cpus, Requests.Modification(request.Live, request.Config), context.CancellationToken).ConfigureAwait(false);
        return new PinEmulatorResponse();
    }

    public override async Task<GetVcpusResponse> GetVcpus(GetVcpusRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var vcpus = await Contract<IDomainVcpuInfo>("virDomainGetVcpus").GetVcpusAsync(reference, context.CancellationToken).ConfigureAwait(false);
        var response = new GetVcpusResponse
        {
            MaximumConfig = vcpus.MaximumConfig,
            CurrentConfig = vcpus.CurrentConfig,
            MaximumLive = vcpus.MaximumLive,
            CurrentLive = vcpus.CurrentLive,
        };
        foreach (var vcpu in vcpus.Vcpus)
        {
            var entry = new VcpuInfo { Number = vcpu.Number, State = VcpuState.Running, CpuTimeNs = vcpu.CpuTimeNs, HostCpu = vcpu.HostCpu };
            entry.Affinity.AddRange(vcpu.Affinity);
            response.Vcpus.Add(entry);
        }
        return response;
    }

    public override async Task<GetVcpuPinInfoResponse> GetVcpuPinInfo(GetVcpuPinInfoRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var pins = await Contract<IDomainVcpuInfo>("virDomainGetVcpuPinInfo").GetVcpuPinInfoAsync(reference, request.Config, context.CancellationToken).ConfigureAwait(false);
        var response = new GetVcpuPinInfoResponse();
        foreach (var pin in pins)
        {
            var entry = new Virt.Protocol.V1.VcpuPin { Vcpu = pin.Vcpu };
            entry.HostCpus.AddRange(pin.HostCpus);
            response.Pins.Add(entry);
        }
        return response;
    }

    public override async Task<GetEmulatorPinInfoResponse> GetEmulatorPinInfo(GetEmulatorPinInfoRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var cpus = await Contract<IDomainVcpuInfo>("virDomainGetEmulatorPinInfo").GetEmulatorPinInfoAsync(reference, request.Config, context.CancellationToken).ConfigureAwait(false);
        var response = new GetEmulatorPinInfoResponse();
        response.HostCpus.AddRange(cpus);
        return response;
    }

    public override async Task<GetDomainStatsResponse> GetDomainStats(GetDomainStatsRequest request, ServerCallContext context)
    {
        if (request.Domains.Count > 0 && request.Filter is not null)
        {
            throw ApiErrors.InvalidArgument("filter", "Name the domains or filter them, not both.");
        }
        Requests.Unsupported(request.Backing, "backing", "backing chain statistics (--backing)");
        var groups = DomainStatsGroups.None;
        foreach (var group in request.Groups)
        {
            var known = group switch
            {
                DomainStatsGroup.State => DomainStatsGroups.State,
                DomainStatsGroup.CpuTotal => DomainStatsGroups.CpuTotal,
                DomainStatsGroup.Balloon => DomainStatsGroups.Balloon,
                DomainStatsGroup.Vcpu => DomainStatsGroups.Vcpu,
                DomainStatsGroup.Interface => DomainStatsGroups.Interface,
                DomainStatsGroup.Block => DomainStatsGroups.Block,
                DomainStatsGroup.Unspecified => throw ApiErrors.InvalidArgument("groups", "groups holds DOMAIN_STATS_GROUP_UNSPECIFIED; name real groups, or none for all."),
                _ => DomainStatsGroups.None,
            };
            if (known == DomainStatsGroups.None && request.Enforce)
            {
                throw ApiErrors.Unsupported("groups", $"Operation not supported: Stats types bits 0x{(int)group:x} are not supported by this daemon");
            }
            groups |= known;
        }
        if (request.Groups.Count == 0)
        {
            groups = DomainStatsGroups.All;
        }
        IReadOnlyList<Virt.Driver.DomainSummary> domains;
        if (request.Domains.Count > 0)
        {
            List<Virt.Driver.DomainSummary> named = [];
            foreach (var reference in request.Domains)
            {
                named.Add(await driver.LookupDomainAsync(Requests.Domain(reference, "domains"), context.CancellationToken).ConfigureAwait(false));
            }
            domains = named;
        }
        else
        {
            var (filter, extra) = Filter(request.Filter);
            domains = [.. (await driver.ListDomainsAsync(filter, context.CancellationToken).ConfigureAwait(false)).Where(extra)];
        }
        var response = new GetDomainStatsResponse();
        foreach (var domain in domains)
        {
            var stats = driver is IDomainRuntime runtime && (groups & ~DomainStatsGroups.State) != 0
                ? await runtime.GetStatsAsync(DomainRef.ByUuid(domain.Uuid), groups, context.CancellationToken).ConfigureAwait(false)
                : new DomainRuntimeStats { Domain = domain };
            response.Records.Add(StatsRecord(stats, groups));
        }
        return response;
    }

    public override async Task<GetBlockStatsResponse> GetBlockStats(GetBlockStatsRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var counters = await Contract<IDomainDeviceStats>("virDomainBlockStats").GetBlockStatsAsync(reference, request.Device, context.CancellationToken).ConfigureAwait(false);
        var block = new BlockStats();
        SetCounters(block, counters);
        return new GetBlockStatsResponse { Stats = block };
    }

    public override async Task<GetInterfaceStatsResponse> GetInterfaceStats(GetInterfaceStatsRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        if (request.Interface.Length == 0)
        {
            throw ApiErrors.InvalidArgument("interface", "Name the interface: its host device (vnet0) or its MAC address.");
        }
        var nic = await Contract<IDomainDeviceStats>("virDomainInterfaceStats").GetInterfaceStatsAsync(reference, request.Interface, context.CancellationToken).ConfigureAwait(false);
        return new GetInterfaceStatsResponse { Stats = Interface(nic) };
    }

    public override async Task<GetMemoryStatsResponse> GetMemoryStats(GetMemoryStatsRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var balloon = await Contract<IDomainMemoryStats>("virDomainMemoryStats").GetMemoryStatsAsync(reference, context.CancellationToken).ConfigureAwait(false);
        return new GetMemoryStatsResponse { Stats = Balloon(balloon) };
    }

    public override async Task<SendKeyResponse> SendKey(SendKeyRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        if (request.Keycodes.Count is 0 or > 16)
        {
            throw ApiErrors.InvalidArgument("keycodes", $"send-key takes between 1 and 16 key codes, not {request.Keycodes.Count}.");
        }
        var qnum = request.Keycodes.Select(code => KeyCodes.ToQnum(request.Codeset, code)).ToList();
        await Contract<IDomainKeyboard>("virDomainSendKey").SendKeyAsync(reference, qnum, request.HoldTimeMs, context.CancellationToken).ConfigureAwait(false);
        return new SendKeyResponse();
    }

    public override async Task TakeScreenshot(TakeScreenshotRequest request, IServerStreamWriter<TakeScreenshotResponse> responseStream, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var shot = await Contract<IDomainScreenshot>("virDomainScreenshot").TakeScreenshotAsync(reference, request.Screen, context.CancellationToken).ConfigureAwait(false);
        const int Chunk = 1 << 20;
        var offset = 0;
        do
        {
            var length = Math.Min(Chunk, shot.Data.Length - offset);
            await responseStream.WriteAsync(new TakeScreenshotResponse
            {
                MimeType = offset == 0 ? shot.MimeType : "",
                Data = ByteString.CopyFrom(shot.Data.Span.Slice(offset, length)),
            }, context.CancellationToken).ConfigureAwait(false);
            offset += length;
        }
        while (offset < shot.Data.Length);
    }

    /// <summary>
    /// virsh dominfo of a running guest: the CPU time and used memory now (libvirt's qemuDomainGetInfo reads them from
    /// the process and the balloon), when the driver can tell.
    /// </summary>
    private async Task<GetDomainInfoResponse> InfoAsync(Virt.Driver.DomainSummary domain, CancellationToken cancellationToken)
    {
        var info = ToProto.Info(domain, host);
        if (driver is IDomainRuntime runtime && domain.IsActive)
        {
            var stats = await runtime.GetStatsAsync(DomainRef.ByUuid(domain.Uuid), DomainStatsGroups.CpuTotal | DomainStatsGroups.Balloon, cancellationToken).ConfigureAwait(false);
            if (stats.Cpu is { } cpu)
            {
                info.CpuTimeNs = cpu.TotalNs;
            }
            if (stats.Balloon is { } balloon)
            {
                info.MemoryKib = balloon.CurrentKiB;
            }
        }
        return info;
    }

    private T Contract<T>(string api) where T : class =>
        driver as T ?? throw new VirtException(VirtErrorReason.OperationUnsupported, $"this function is not supported by the connection driver: {api}",
            new Dictionary<string, string> { ["operation"] = api });

    private static List<uint> HostCpus(IEnumerable<uint> cpus)
    {
        var list = cpus.ToList();
        return list.Count == 0
            ? throw ApiErrors.InvalidArgument("host_cpus", "host_cpus is empty: name at least one host CPU.")
            : list.Any(c => c > CpuSet.MaxCpu)
                ? throw ApiErrors.InvalidArgument("host_cpus", $"host_cpus names CPU {list.Max()}; CPUs are numbered 0 to {CpuSet.MaxCpu}.")
                : list;
    }

    private static DomainStatsRecord StatsRecord(DomainRuntimeStats stats, DomainStatsGroups groups)
    {
        var record = new DomainStatsRecord { Domain = ToProto.Identity(stats.Domain) };
        if (groups.HasFlag(DomainStatsGroups.State))
        {
            record.State = ToProto.Status(stats.Domain);
        }
        if (stats.Cpu is { } cpu)
        {
            record.Cpu = new DomainCpuStats { TimeNs = cpu.TotalNs, UserNs = cpu.UserNs, SystemNs = cpu.SystemNs };
        }
        if (stats.Balloon is { } balloon)
        {
            record.Balloon = Balloon(balloon);
        }
        if (stats.Vcpus is { } vcpus)
        {
            var definition = stats.Domain.Definition.Vcpu;
            var vcpu = new DomainVcpuStats { Current = definition.Current ?? definition.Count, Maximum = definition.Count };
            foreach (var v in vcpus)
            {
                var entry = new VcpuStats { Number = v.Number, State = stats.Domain.State == DriverState.Running ? VcpuState.Running : VcpuState.Offline };
                if (v.TimeNs is { } time)
                {
                    entry.TimeNs = time;
                }
                if (v.DelayNs is { } delay)
                {
                    entry.DelayNs = delay;
                }
                if (v.Halted is { } halted)
                {
                    entry.Halted = halted;
                }
                vcpu.Vcpus.Add(entry);
            }
            record.Vcpu = vcpu;
        }
        record.InterfacesReported = stats.Interfaces is not null;
        foreach (var nic in stats.Interfaces ?? [])
        {
            record.Interfaces.Add(Interface(nic));
        }
        record.BlocksReported = stats.Disks is not null;
        foreach (var disk in stats.Disks ?? [])
        {
            record.Blocks.Add(Block(disk));
        }
        return record;
    }

    private static DomainBalloonStats Balloon(DomainBalloon balloon)
    {
        var stats = new DomainBalloonStats { CurrentKib = balloon.CurrentKiB, MaximumKib = balloon.MaximumKiB };
        if (balloon.RssKiB is { } rss)
        {
            stats.RssKib = rss;
        }
        if (balloon.SwapInKiB is { } swapIn)
        {
            stats.SwapInKib = swapIn;
        }
        if (balloon.SwapOutKiB is { } swapOut)
        {
            stats.SwapOutKib = swapOut;
        }
        if (balloon.MajorFaults is { } major)
        {
            stats.MajorFaults = major;
        }
        if (balloon.MinorFaults is { } minor)
        {
            stats.MinorFaults = minor;
        }
        if (balloon.UnusedKiB is { } unused)
        {
            stats.UnusedKib = unused;
        }
        if (balloon.AvailableKiB is { } available)
        {
            stats.AvailableKib = available;
        }
        if (balloon.UsableKiB is { } usable)
        {
            stats.UsableKib = usable;
        }
        if (balloon.DiskCachesKiB is { } caches)
        {
            stats.DiskCachesKib = caches;
        }
        if (balloon.HugetlbAllocations is { } allocations)
        {
            stats.HugetlbPageAllocations = allocations;
        }
        if (balloon.HugetlbFailures is { } failures)
        {
            stats.HugetlbPageFailures = failures;
        }
        if (balloon.LastUpdateEpochSeconds is { } update)
        {
            stats.LastUpdateEpochSeconds = update;
        }
        return stats;
    }

    private static BlockStats Block(DiskStats disk)
    {
        var block = new BlockStats { Name = disk.Name, Path = disk.Path };
        if (disk.Counters is { } counters)
        {
            SetCounters(block, counters);
        }
        if (disk.CapacityBytes is { } capacity)
        {
            block.CapacityBytes = capacity;
        }
        if (disk.AllocationBytes is { } allocation)
        {
            block.AllocationBytes = allocation;
        }
        if (disk.PhysicalBytes is { } physical)
        {
            block.PhysicalBytes = physical;
        }
        return block;
    }

    /// <summary>The counters the driver has; the others stay unset, and vsh leaves them out as virsh does.</summary>
    private static void SetCounters(BlockStats block, DiskCounters counters)
    {
        static void Set(ulong? value, Action<ulong> set)
        {
            if (value is { } v)
            {
                set(v);
            }
        }
        Set(counters.ReadRequests, v => block.ReadRequests = v);
        Set(counters.ReadBytes, v => block.ReadBytes = v);
        Set(counters.ReadTimeNs, v => block.ReadTimeNs = v);
        Set(counters.WriteRequests, v => block.WriteRequests = v);
        Set(counters.WriteBytes, v => block.WriteBytes = v);
        Set(counters.WriteTimeNs, v => block.WriteTimeNs = v);
        Set(counters.FlushRequests, v => block.FlushRequests = v);
        Set(counters.FlushTimeNs, v => block.FlushTimeNs = v);
        Set(counters.Errors, v => block.Errors = v);
    }

    private static InterfaceStats Interface(NicStats nic) => new()
    {
        Name = nic.Name,
        RxBytes = nic.RxBytes,
        RxPackets = nic.RxPackets,
        RxErrors = nic.RxErrors,
        RxDrops = nic.RxDrops,
        TxBytes = nic.TxBytes,
        TxPackets = nic.TxPackets,
        TxErrors = nic.TxErrors,
        TxDrops = nic.TxDrops,
    };
}
