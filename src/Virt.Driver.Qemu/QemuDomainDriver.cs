using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Virt.Domain;
using Virt.Domain.Xml;
using Virt.Driver.Jobs;
using Virt.Qemu.Capabilities;
using Virt.Store;

namespace Virt.Driver.Qemu;

/// <summary>
/// The QEMU driver: persistent domains kept as libvirt XML under <c>STATE/qemu/domains</c>, one file per domain named
/// by its UUID, written atomically (<see cref="DefinitionStore"/>), and running guests, each run by its own VMM worker
/// (<c>virt-vmm</c>) that outlives virtd; see README.md.
/// </summary>
/// <remarks>
/// Reads take the last published snapshot without locking. A modifying call parses and validates first (no lock),
/// then claims the domain's UUID and name under a short index lock (so two calls can never define one name or one UUID
/// twice), waits for the domain's own gate (per-domain serialisation: calls on different domains write in parallel),
/// writes the file, and publishes the new snapshot and its event under the index lock, so the event order is the
/// commit order. Once the write starts it is not cancelled: disk and memory never disagree.
/// </remarks>
public sealed partial class QemuDomainDriver : IDomainDriver, IDisposable, IAsyncDisposable
{
    private readonly QemuDriverOptions _options;
    private readonly EventLog _events;
    private readonly ILogger _logger;
    private readonly DefinitionStore _definitions;
    private readonly DefinitionStore _autostart;
    private readonly DefinitionStore _liveDefinitions;
    private readonly DefinitionStore _migrationRecords;
    private readonly MigrationOutcomes _outcomes;
    private readonly QemuCapabilitiesCache _capabilities;
    private readonly ConcurrentDictionary<Guid, RunningGuest> _running = new();
    // The release and clean-up of a stopped guest's run, until it is over (TrackRelease).
    private readonly ConcurrentDictionary<Guid, Task> _releases = new();
    private static readonly TimeSpan _releaseWaitOnDispose = TimeSpan.FromSeconds(15);
    private readonly JobRegistry _jobs;
    private readonly VmmSpare _spareWorker;
    private readonly GuestTaps _taps = new();
    private readonly GuestDisplays _displays = new();
    private readonly Lock _indexLock = new();
    private int _nextId;

    // Under _indexLock: the domains with a call in flight, and the names those calls hold.
    private readonly Dictionary<Guid, DomainGate> _gates = [];
    private readonly Dictionary<string, Guid> _claimedNames = new(StringComparer.Ordinal);
    private Snapshot _snapshot = Snapshot.Empty;

    private QemuDomainDriver(QemuDriverOptions options, EventLog events, ILogger logger)
    {
        _options = options;
        _events = events;
        _logger = logger;
        // Journaled: one data-only flush per define instead of two (Virt.Store's README says why that is as safe);
        // opening the store replays what the last run acknowledged but had not checkpointed.
        _definitions = new DefinitionStore(options.DomainsDirectory, journaled: true);
        // Autostart marks are plain files named by UUID; the content (the name) is for an operator reading the directory.
        _autostart = new DefinitionStore(options.AutostartDirectory, extension: "", journaled: true);
        // Runtime state: it must survive virtd, not the machine (the guests do not either), so nothing is flushed.
        _liveDefinitions = new DefinitionStore(options.GuestRunDirectory, flush: false);
        // Beside them, the migrations in progress (MigrationRecord), for a restarted virtd to settle.
        _migrationRecords = new DefinitionStore(options.GuestRunDirectory, extension: MigrationRecord.Extension, flush: false);
        // The destination's decisions, which a source may ask for after either side restarted: durable, under STATE.
        _outcomes = new MigrationOutcomes(options.MigrationOutcomesDirectory, options.MigrationOutcomeLifetime, logger);
        _capabilities = new QemuCapabilitiesCache(options.CapabilitiesCacheDirectory);
        _jobs = options.Jobs ?? new JobRegistry(events);
        _spareWorker = new VmmSpare(VmmBinary);
    }

    /// <summary>The registry this driver's long operations run their jobs in (<see cref="QemuDriverOptions.Jobs"/>).</summary>
    public JobRegistry Jobs => _jobs;

    /// <summary>libvirt's name for this hypervisor, as <c>virsh version</c> prints it.</summary>
    public string Type => "QEMU";

    /// <summary>Shutdown and reboot press the ACPI power button (QMP system_powerdown); the guest agent is not there.</summary>
    public bool HasAcpiShutdown => true;

    /// <summary>
    /// Opens the driver on <see cref="QemuDriverOptions.StateDirectory"/>, loading every stored definition. A file that
    /// does not parse (or whose name and content disagree) is moved to <c>STATE/qemu/quarantine</c> and logged, never
    /// silently dropped; managed save images are found and temporary files of a managed save that was killed are removed.
    /// </summary>
    public static async Task<QemuDomainDriver> OpenAsync(QemuDriverOptions options, EventLog events, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(logger);
        var driver = new QemuDomainDriver(options, events, logger);
        await driver.LoadAsync(cancellationToken).ConfigureAwait(false);
        await driver._outcomes.LoadAsync(cancellationToken).ConfigureAwait(false);
        await driver.ReconnectAsync(cancellationToken).ConfigureAwait(false);
        await driver.DestroyAutodestroyRunsAsync(cancellationToken).ConfigureAwait(false);
        driver.LoadManagedSaves();
        if (options.AutostartOnOpen)
        {
            _ = Task.Run(driver.AutostartAsync, CancellationToken.None);
        }
        return driver;
    }

    public Task<IReadOnlyList<DomainSummary>> ListDomainsAsync(DomainListFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellationToken.ThrowIfCancellationRequested();
        // libvirt's order: active domains by id, then inactive ones by name.
        var all = Volatile.Read(ref _snapshot).ByName.Values;
        IReadOnlyList<DomainSummary> domains = [.. all.Where(d => d.IsActive && filter.Matches(d)).OrderBy(d => d.Id), .. all.Where(d => !d.IsActive && filter.Matches(d))];
        return Task.FromResult(domains);
    }

    public Task<DomainSummary> LookupDomainAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Find(Volatile.Read(ref _snapshot), domain));
    }

    /// <summary>
    /// Waits (up to <see cref="_releaseWaitOnDispose"/>) for the release and clean-up of the runs that stopped before
    /// now, which go on after their stop was answered (<see cref="TrackRelease"/>), then disposes. Without the wait a
    /// guest destroyed just before virtd stops still has its worker and its run files (the worker's last state file,
    /// the sockets, the live definition) after virtd has gone, and whoever removes the state directory then races them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var pending = _releases.Values.ToArray();
        if (pending.Length > 0)
        {
            try
            {
                await Task.WhenAll(pending).WaitAsync(_releaseWaitOnDispose).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A worker that does not let go outlives virtd by design; the next virtd reads what it leaves.
                QemuDriverLog.ReleasesPending(_logger, pending.Count(t => !t.IsCompleted));
            }
        }
        Dispose();
    }

    /// <summary>Checkpoints the definition journals (so the next start has nothing to replay), closes them, and ends the spare worker.</summary>
    public void Dispose()
    {
        _definitions.Dispose();
        _autostart.Dispose();
        _liveDefinitions.Dispose();
        _migrationRecords.Dispose();
        _outcomes.Dispose();
        _spareWorker.Dispose();
    }

    private static DomainSummary Find(Snapshot snapshot, DomainRef domain)
    {
        DomainSummary? found = null;
        if (domain.Uuid is { } uuid)
        {
            snapshot.ByUuid.TryGetValue(uuid, out found);
        }
        else if (domain.Name is { } name)
        {
            snapshot.ByName.TryGetValue(name, out found);
        }
        else if (domain.Id is { } id)
        {
            found = snapshot.ByUuid.Values.FirstOrDefault(d => d.IsActive && d.Id == id);
        }
        return found ?? throw VirtException.DomainNotFound(domain);
    }

    private static string FileName(Guid uuid) => uuid.ToString("D", CultureInfo.InvariantCulture);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var byName = ImmutableSortedDictionary.CreateBuilder<string, DomainSummary>(StringComparer.Ordinal);
        var byUuid = ImmutableDictionary.CreateBuilder<Guid, DomainSummary>();
        foreach (var (name, content) in await _definitions.LoadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            string? problem = null;
            DomainDefinition? definition = null;
            if (!Guid.TryParseExact(name, "D", out var fileUuid) || FileName(fileUuid) != name)
            {
                problem = "its name is not a domain UUID in lowercase";
            }
            else
            {
                try
                {
                    definition = DomainXml.Parse(content, _options.ParseOptions);
                }
                catch (DefinitionException e)
                {
                    problem = e.Message;
                }
            }
            if (definition is not null && definition.Uuid != fileUuid)
            {
                problem = $"it defines UUID {definition.Uuid}, not the one in its name";
            }
            else if (definition is not null && byName.TryGetValue(definition.Name, out var same))
            {
                problem = $"domain '{definition.Name}' is already defined by {FileName(same.Uuid)}.xml";
            }
            if (problem is not null || definition is null)
            {
                Quarantine(Path.Combine(_definitions.DirectoryPath, name + ".xml"), problem ?? "unreadable");
                continue;
            }
            var summary = new DomainSummary { Definition = definition };
            byName.Add(definition.Name, summary);
            byUuid.Add(definition.Uuid, summary);
        }
        foreach (var (name, _) in await _autostart.LoadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Guid.TryParseExact(name, "D", out var uuid) && byUuid.TryGetValue(uuid, out var summary))
            {
                var marked = summary with { Autostart = true };
                byUuid[uuid] = marked;
                byName[summary.Name] = marked;
                continue;
            }
            // A crash between undefining a domain and removing its mark leaves one behind; it means nothing.
            QemuDriverLog.StaleAutostart(_logger, Path.Combine(_autostart.DirectoryPath, name));
            await _autostart.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
        Volatile.Write(ref _snapshot, new Snapshot(byName.ToImmutable(), byUuid.ToImmutable()));
        QemuDriverLog.Loaded(_logger, byUuid.Count, _definitions.DirectoryPath);
    }

    private void Quarantine(string file, string problem)
    {
        Directory.CreateDirectory(_options.QuarantineDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var target = Path.Combine(_options.QuarantineDirectory,
            $"{Path.GetFileName(file)}.{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}");
        File.Move(file, target);
        QemuDriverLog.Quarantined(_logger, file, problem, target);
    }

    /// <summary>The committed domains, by name (libvirt's list order) and by UUID; replaced whole on every commit.</summary>
    private sealed record Snapshot(ImmutableSortedDictionary<string, DomainSummary> ByName, ImmutableDictionary<Guid, DomainSummary> ByUuid)
    {
        public static Snapshot Empty { get; } = new(ImmutableSortedDictionary.Create<string, DomainSummary>(StringComparer.Ordinal), ImmutableDictionary<Guid, DomainSummary>.Empty);
    }
}
