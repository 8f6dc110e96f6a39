using System.Globalization;
using Virt.Domain;

namespace Virt.Driver.Test;

/// <summary>
/// setmem, setmaxmem, setvcpus, dommemstat (and its --period) and send-key as libvirt's test driver has them
/// (testDomainSetMemoryFlags, testDomainSetVcpusFlags, testDomainSetMemoryStatsPeriod, testDomainMemoryStats,
/// testDomainSendKey): the definitions change, nothing runs, and the memory statistics are made up from the current
/// memory.
/// </summary>
public sealed partial class TestDriver : IDomainResources, IDomainKeyboard, IDomainMemoryStats
{
    /// <summary>testConnectGetMaxVcpus: what the test driver allows any domain.</summary>
    private const uint MaxVcpusPerDomain = 32;

    /// <summary>The fixed "last_update" of libvirt's made-up memory statistics.</summary>
    private const long MadeUpLastUpdate = 627319920;

    public Task<DomainSummary> SetMemoryAsync(DomainRef domain, ulong memoryKiB, DomainModification modification, CancellationToken cancellationToken) =>
        SetMemoryFlags(domain, memoryKiB, modification, maximum: false, cancellationToken);

    public Task<DomainSummary> SetMaxMemoryAsync(DomainRef domain, ulong maxMemoryKiB, DomainModification modification, CancellationToken cancellationToken) =>
        SetMemoryFlags(domain, maxMemoryKiB, modification, maximum: true, cancellationToken);

    public Task<DomainSummary> SetVcpusAsync(DomainRef domain, uint count, bool maximum, DomainModification modification, CancellationToken cancellationToken)
    {
        if (count > MaxVcpusPerDomain)
        {
            throw InvalidArgument(domain, string.Create(CultureInfo.InvariantCulture, $"requested cpu amount exceeds maximum supported amount ({count} > {MaxVcpusPerDomain})"));
        }
        return Task.FromResult(Change(domain, entry =>
        {
            var (live, config) = modification.Targets(entry.Summary, "set vCPUs of");
            var liveDefinition = live ? entry.Live! : null;
            var persistent = config ? entry.Persistent! : null;
            foreach (var definition in new[] { liveDefinition, maximum ? null : persistent })
            {
                if (definition is not null && definition.Vcpu.Count < count)
                {
                    throw InvalidArgument(domain, string.Create(CultureInfo.InvariantCulture, $"requested cpu amount exceeds maximum ({count} > {definition.Vcpu.Count})"));
                }
            }
            // As libvirt's, the live definition takes the count as its current one even with the maximum flag.
            var nextLive = liveDefinition?.WithCurrentVcpus(count) ?? entry.Live;
            var nextPersistent = persistent is null ? entry.Persistent : maximum ? persistent.WithMaximumVcpus(count) : persistent.WithCurrentVcpus(count);
            return ChangeOutcome.Kept(entry.With(nextPersistent, nextLive));
        }, cancellationToken));
    }

    public Task<DomainSummary> SetMemoryStatsPeriodAsync(DomainRef domain, uint periodSeconds, DomainModification modification, CancellationToken cancellationToken) =>
        Task.FromResult(Change(domain, entry =>
        {
            var (live, definition) = OneDefinition(entry, modification, "set the memory statistics period of");
            if (definition.Devices.MemBalloon is not { Model: not MemBalloonModel.None } balloon)
            {
                throw VirtException.InternalStateError(entry.Name, "set the memory statistics period of", entry.State,
                    "No memory balloon device configured, can not set the collection period");
            }
            var next = definition with { Devices = definition.Devices with { MemBalloon = balloon with { StatsPeriod = periodSeconds == 0 ? null : periodSeconds } } };
            return ChangeOutcome.Kept(live ? entry.With(entry.Persistent, next) : entry.With(next, entry.Live));
        }, cancellationToken));

    public Task<DomainBalloon> GetMemoryStatsAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        var live = Running(domain, "get the memory statistics of", out _);
        var current = live.CurrentMemoryKiB;
        // libvirt reports nothing at all for a domain without a balloon; "actual" is always there here.
        return Task.FromResult(!live.Devices.HasMemBalloon
            ? new DomainBalloon { CurrentKiB = current, MaximumKiB = live.MemoryKiB }
            : new DomainBalloon
            {
                CurrentKiB = current,
                MaximumKiB = live.MemoryKiB,
                SwapInKiB = 0,
                SwapOutKiB = 0,
                MajorFaults = 0,
                MinorFaults = 0,
                UnusedKiB = current / 2,
                AvailableKiB = current,
                UsableKiB = current / 2,
                LastUpdateEpochSeconds = MadeUpLastUpdate,
                DiskCachesKiB = current / 8,
                HugetlbAllocations = 0,
                HugetlbFailures = 0,
                RssKiB = current / 2,
            });
    }

    public Task SendKeyAsync(DomainRef domain, IReadOnlyList<uint> qnumCodes, uint holdTimeMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        Running(domain, "send keys to", out _);
        return Task.CompletedTask;
    }

    private Task<DomainSummary> SetMemoryFlags(DomainRef domain, ulong memoryKiB, DomainModification modification, bool maximum, CancellationToken cancellationToken)
    {
        if (memoryKiB == 0)
        {
            throw InvalidArgument(domain, "memory in virDomainSetMemoryFlags must not be zero", prefixed: false);
        }
        return Task.FromResult(Change(domain, entry =>
        {
            var (live, definition) = OneDefinition(entry, modification, maximum ? "set maximum memory of" : "set memory of");
            DomainDefinition next;
            if (maximum)
            {
                if (live)
                {
                    throw VirtException.OperationInvalid(entry.Name, "set maximum memory of", entry.State, "cannot resize the maximum memory on an active domain");
                }
                if (definition.Cpu is { NumaCells.Count: > 0 })
                {
                    throw VirtException.OperationInvalid(entry.Name, "set maximum memory of", entry.State, "initial memory size of a domain with NUMA nodes cannot be modified with this API");
                }
                if (definition.MaxMemory is { } hotplug && hotplug.SizeKiB < memoryKiB)
                {
                    throw VirtException.OperationInvalid(entry.Name, "set maximum memory of", entry.State, "cannot set initial memory size greater than the maximum memory size");
                }
                next = definition with { MemoryKiB = memoryKiB, CurrentMemoryKiB = Math.Min(definition.CurrentMemoryKiB, memoryKiB) };
            }
            else
            {
                if (memoryKiB > definition.MemoryKiB)
                {
                    throw InvalidArgument(domain, "cannot set memory higher than max memory");
                }
                next = definition with { CurrentMemoryKiB = memoryKiB };
            }
            return ChangeOutcome.Kept(live ? entry.With(entry.Persistent, next) : entry.With(next, entry.Live));
        }, cancellationToken));
    }

    /// <summary>virDomainObjGetOneDefState: the one definition a change touches, and whether it is the live one.</summary>
    private static (bool Live, DomainDefinition Definition) OneDefinition(DomainEntry entry, DomainModification modification, string operation)
    {
        var live = modification.TargetsLive(entry.Summary, operation);
        return (live, live ? entry.Live! : entry.Persistent!);
    }

    private static VirtException InvalidArgument(DomainRef domain, string detail, bool prefixed = true) =>
        new(VirtErrorReason.InvalidArgument, prefixed ? "invalid argument: " + detail : detail, new Dictionary<string, string> { ["domain"] = domain.ToString() });
}
