using System.Collections.Immutable;
using System.Globalization;

namespace Virt.Driver.Test;

/// <summary>
/// libvirt's test driver: domains, networks and pools held in memory, with the behaviour of libvirt's
/// <c>src/test/test_driver.c</c> (states, reasons, ids, events and error wording), so <c>test:///default</c> answers as
/// <c>virsh -c test:///default</c> does.
/// </summary>
/// <remarks>
/// Every modifying call runs under one lock and publishes a new immutable map; reads take the current map without
/// locking. Nothing here takes longer than a dictionary update, so serialising all changes (and not only the changes
/// of one domain) costs nothing and keeps the id counter and the event order consistent with the states.
/// </remarks>
public sealed partial class TestDriver : IDomainDriver, INetworkDriver, IStoragePoolDriver
{
    private readonly EventLog _events;
    private readonly Lock _lock = new();
    private readonly ImmutableArray<NetworkSummary> _networks;
    private readonly ImmutableArray<StoragePoolSummary> _pools;
    private ImmutableDictionary<Guid, DomainEntry> _domains = ImmutableDictionary<Guid, DomainEntry>.Empty;
    private int _nextId = 1;

    private TestDriver(EventLog events, IEnumerable<NetworkSummary> networks, IEnumerable<StoragePoolSummary> pools)
    {
        _events = events;
        _networks = [.. networks.OrderBy(n => n.Name, StringComparer.Ordinal)];
        _pools = [.. pools.OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>libvirt's name for this hypervisor, as <c>virsh version</c> prints it.</summary>
    public string Type => "TEST";

    /// <summary>
    /// A driver in the state of a fresh <c>test:///default</c> connection: domain <c>test</c> running with id 1,
    /// network <c>default</c> active, pool <c>default-pool</c> running. Changes are appended to <paramref name="events"/>.
    /// </summary>
    public static TestDriver CreateDefault(EventLog events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var fixture = DefaultFixture.Load();
        var driver = new TestDriver(events, fixture.Networks, fixture.Pools);
        foreach (var definition in fixture.Domains)
        {
            // libvirt's fixture loader starts the domain (taking the next id) and then sets its state with reason 0,
            // which is why `domstate test --reason` says "running (unknown)". Loading emits no events.
            var entry = DomainEntry.Inactive(definition, StateReasons.Unknown, autostart: false)
                .Started(definition, driver._nextId++)
                .WithState(DomainState.Running, StateReasons.Unknown);
            driver._domains = driver._domains.Add(entry.Uuid, entry);
        }
        return driver;
    }

    public Task<IReadOnlyList<DomainSummary>> ListDomainsAsync(DomainListFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellationToken.ThrowIfCancellationRequested();
        var cpuTime = WallClockCpuTime();
        var domains = Volatile.Read(ref _domains).Values.Select(e => e.Summary with { CpuTimeNs = cpuTime }).Where(filter.Matches);
        IReadOnlyList<DomainSummary> ordered =
        [
            .. domains.Where(d => d.IsActive).OrderBy(d => d.Id),
            .. domains.Where(d => !d.IsActive).OrderBy(d => d.Name, StringComparer.Ordinal),
        ];
        return Task.FromResult(ordered);
    }

    public Task<DomainSummary> LookupDomainAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Find(Volatile.Read(ref _domains), domain).Summary with { CpuTimeNs = WallClockCpuTime() });
    }

    /// <summary>
    /// libvirt's test driver reports the wall clock as every domain's CPU time (testDomainGetInfo), so virsh's dominfo
    /// prints a "CPU time" line even for a shut-off domain; reporting 0 would leave the line out.
    /// </summary>
    private static ulong WallClockCpuTime() => (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;

    public Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<NetworkSummary>>(_networks);
    }

    public Task<NetworkSummary> LookupNetworkAsync(string nameOrUuid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nameOrUuid);
        cancellationToken.ThrowIfCancellationRequested();
        var found = _networks.FirstOrDefault(n => n.Name == nameOrUuid)
            ?? (Guid.TryParse(nameOrUuid, out var uuid) ? _networks.FirstOrDefault(n => n.Uuid == uuid) : null);
        return found is not null
            ? Task.FromResult(found)
            : throw new VirtException(VirtErrorReason.NetworkNotFound, $"Network not found: no network with matching {Describe(nameOrUuid)}",
                new Dictionary<string, string> { ["network"] = nameOrUuid });
    }

    public Task<IReadOnlyList<StoragePoolSummary>> ListPoolsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<StoragePoolSummary>>(_pools);
    }

    public Task<StoragePoolSummary> LookupPoolAsync(string nameOrUuid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nameOrUuid);
        cancellationToken.ThrowIfCancellationRequested();
        var found = _pools.FirstOrDefault(p => p.Name == nameOrUuid)
            ?? (Guid.TryParse(nameOrUuid, out var uuid) ? _pools.FirstOrDefault(p => p.Uuid == uuid) : null);
        return found is not null
            ? Task.FromResult(found)
            : throw new VirtException(VirtErrorReason.StoragePoolNotFound, $"Storage pool not found: no storage pool with matching {Describe(nameOrUuid)}",
                new Dictionary<string, string> { ["pool"] = nameOrUuid });
    }

    private static string Describe(string nameOrUuid) =>
        Guid.TryParse(nameOrUuid, out var uuid) ? $"uuid '{uuid}'" : $"name '{nameOrUuid}'";

    private static DomainEntry Find(ImmutableDictionary<Guid, DomainEntry> domains, DomainRef domain)
    {
        DomainEntry? found = null;
        if (domain.Uuid is { } uuid)
        {
            domains.TryGetValue(uuid, out found);
        }
        else if (domain.Id is { } id)
        {
            found = domains.Values.FirstOrDefault(e => e.IsActive && e.Id == id);
        }
        else
        {
            found = domains.Values.FirstOrDefault(e => e.Name == domain.Name);
        }
        return found ?? throw VirtException.DomainNotFound(domain);
    }

    private static string IdText(int id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs one change under the lock: <paramref name="change"/> sees the domain as committed and returns its next
    /// entry (null: the domain is gone), the summary to hand back and the event to log, or throws to change nothing.
    /// </summary>
    private DomainSummary Change(DomainRef domain, Func<DomainEntry, ChangeOutcome> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var entry = Find(_domains, domain);
            return Commit(entry.Uuid, change(entry));
        }
    }

    private DomainSummary Commit(Guid uuid, ChangeOutcome outcome)
    {
        var next = outcome.Next is null ? _domains.Remove(uuid) : _domains.SetItem(uuid, outcome.Next);
        Volatile.Write(ref _domains, next);
        if (outcome.Event is { } change)
        {
            _events.Append(change);
        }
        return outcome.Result;
    }

    private static DomainLifecycleEvent Event(DomainEntry entry, DomainEventType type, int detail) => new(entry.Name, entry.Uuid, type, detail);
}
