using Virt.Domain;

namespace Virt.Driver.Test;

/// <summary>
/// vcpucount and vcpuinfo, as libvirt's testDomainGetVcpus: both definitions' counts, and for a running domain every
/// online vCPU running on the last host CPU it may use (its pinning, the domain's cpuset, or all 16 of nodeinfo's
/// CPUs) with a made-up CPU time that grows with the clock (a tenth of the microseconds since the epoch, in ns). The
/// query forms of vcpupin and emulatorpin read the same pinning from the live or the persistent definition.
/// </summary>
public sealed partial class TestDriver : IDomainVcpuInfo
{
    private const uint TestHostCpus = 16;

    public Task<DomainVcpus> GetVcpusAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(Volatile.Read(ref _domains), domain);
        var persistent = entry.Persistent?.Vcpu;
        var live = entry.Live;
        List<VcpuThread> threads = [];
        if (live is not null)
        {
            var cpuTimeNs = (ulong)((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10 / 10);
            for (var vcpu = 0u; vcpu < (live.Vcpu.Current ?? live.Vcpu.Count); vcpu++)
            {
                var affinity = Affinity(live, vcpu);
                threads.Add(new VcpuThread(vcpu, cpuTimeNs, (int)affinity[^1], affinity));
            }
        }
        return Task.FromResult(new DomainVcpus(persistent?.Count ?? 0, persistent is null ? 0 : persistent.Current ?? persistent.Count,
            live?.Vcpu.Count ?? 0, live is null ? 0 : live.Vcpu.Current ?? live.Vcpu.Count, threads));
    }

    public Task<IReadOnlyList<VcpuAffinity>> GetVcpuPinInfoAsync(DomainRef domain, bool config, CancellationToken cancellationToken)
    {
        var definition = PinningDefinition(domain, config, cancellationToken);
        return Task.FromResult<IReadOnlyList<VcpuAffinity>>(
            [.. Enumerable.Range(0, (int)definition.Vcpu.Count).Select(vcpu => new VcpuAffinity((uint)vcpu, Affinity(definition, (uint)vcpu)))]);
    }

    public Task<IReadOnlyList<uint>> GetEmulatorPinInfoAsync(DomainRef domain, bool config, CancellationToken cancellationToken)
    {
        var definition = PinningDefinition(domain, config, cancellationToken);
        return Task.FromResult(CpuSet.TryParse(definition.CpuTune?.EmulatorPin) ?? CpuSet.TryParse(definition.Vcpu.CpuSet) ?? AllHostCpus);
    }

    /// <summary>The definition a pinning query reads: the persistent one with <paramref name="config"/>, else the current one.</summary>
    private DomainDefinition PinningDefinition(DomainRef domain, bool config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = Find(Volatile.Read(ref _domains), domain);
        return config
            ? entry.Persistent ?? throw VirtException.OperationInvalid(entry.Name, "read the pinning of", entry.State, "transient domains do not have any persistent config")
            : (entry.Live ?? entry.Persistent)!;
    }

    private static IReadOnlyList<uint> AllHostCpus { get; } = [.. Enumerable.Range(0, (int)TestHostCpus).Select(cpu => (uint)cpu)];

    private static IReadOnlyList<uint> Affinity(DomainDefinition definition, uint vcpu) =>
        CpuSet.TryParse(definition.CpuTune?.VcpuPins.FirstOrDefault(p => p.Vcpu == vcpu)?.CpuSet)
        ?? CpuSet.TryParse(definition.Vcpu.CpuSet)
        ?? AllHostCpus;
}
