using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Virt.Domain;
using Virt.Domain.Storage;
using Virt.Domain.Xml;
using Virt.Driver.Storage.Backends;
using Virt.Store;

namespace Virt.Driver.Storage;

/// <summary>
/// The real storage driver: dir, fs, logical, netfs and iscsi pools on the host's own tools. Pool definitions persist
/// under <c>STATE/storage/</c> (atomically, by UUID); volumes are whatever the pool holds, scanned on start and
/// refresh. Reads take the committed snapshot without waiting; changes are serialised by one gate, and long volume
/// work (copies, wipes, transfers) runs outside it with the volume marked busy.
/// </summary>
public sealed partial class StorageDriver : IStoragePoolDriver, IVolumeResolver, IDisposable
{
    private static readonly FrozenBackends _backends = new();
    private readonly ILogger _logger;
    // Set once the pools are loaded: what happens while opening raises nothing (StorageDriverOptions.Events).
    private EventLog? _events;
    private readonly DefinitionStore _definitions;
    private readonly DefinitionStore _live;
    private readonly DefinitionStore _autostart;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _usageLock = new();
    // Path → readers (positive) or one writer (-1): transfers, copies and wipes in progress.
    private readonly Dictionary<string, int> _busy = new(StringComparer.Ordinal);
    // Path → the domains a running guest leased it to.
    private readonly Dictionary<string, List<string>> _leases = new(StringComparer.Ordinal);
    // (pool, name) of creates in progress.
    private readonly HashSet<(Guid Pool, string Name)> _reserved = [];
    private ImmutableDictionary<Guid, PoolEntry> _pools = ImmutableDictionary<Guid, PoolEntry>.Empty;

    private StorageDriver(string root, ILogger logger)
    {
        _logger = logger;
        _definitions = new DefinitionStore(Path.Combine(root, "pools"));
        _live = new DefinitionStore(Path.Combine(root, "active"));
        _autostart = new DefinitionStore(Path.Combine(root, "autostart"), ".autostart");
    }

    /// <summary>Loads the pool definitions, restarts the pools that were active and starts the autostart ones.</summary>
    public static async Task<StorageDriver> OpenAsync(StorageDriverOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var root = Path.Combine(options.StateDirectory, "storage");
        var firstStart = !Directory.Exists(root);
        var driver = new StorageDriver(root, logger);
        await driver.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (firstStart && options.DefaultPoolDirectory is { } directory)
        {
            await driver.CreateDefaultPoolAsync(directory, cancellationToken).ConfigureAwait(false);
        }
        driver._events = options.Events;
        return driver;
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var pools = ImmutableDictionary<Guid, PoolEntry>.Empty;
        var marks = (await _autostart.LoadAllAsync(ct).ConfigureAwait(false)).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, content) in await _definitions.LoadAllAsync(ct).ConfigureAwait(false))
        {
            if (Load(name, content) is { } definition && !pools.Values.Any(p => p.Name == definition.Name))
            {
                pools = pools.SetItem(definition.Uuid, new PoolEntry { Live = definition, Config = definition, Autostart = marks.Contains(name) });
            }
        }
        foreach (var (name, content) in await _live.LoadAllAsync(ct).ConfigureAwait(false))
        {
            if (Load(name, content) is not { } live)
            {
                continue;
            }
            var entry = pools.GetValueOrDefault(live.Uuid) ?? new PoolEntry { Live = live };
            try
            {
                var started = await ActivateAsync(entry with { Live = live }, null, ct).ConfigureAwait(false);
                pools = pools.SetItem(live.Uuid, started);
            }
            catch (Exception e) when (e is VirtException or IOException)
            {
                StorageDriverLog.RestartFailed(_logger, live.Name, e.Message);
                await _live.DeleteAsync(name, ct).ConfigureAwait(false);
            }
        }
        foreach (var entry in pools.Values.Where(p => p.Autostart && !p.Active).ToList())
        {
            try
            {
                pools = pools.SetItem(entry.Uuid, await ActivateAsync(entry, null, ct).ConfigureAwait(false));
                await _live.SaveAsync(Key(entry.Uuid), StoragePoolXml.Format(entry.Live), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is VirtException or IOException)
            {
                StorageDriverLog.RestartFailed(_logger, entry.Name, e.Message);
            }
        }
        _pools = pools;
        StorageDriverLog.Loaded(_logger, pools.Count, _definitions.DirectoryPath);
    }

    private StoragePoolDefinition? Load(string file, string content)
    {
        try
        {
            var definition = StoragePoolXml.Parse(content);
            if (Key(definition.Uuid) != file)
            {
                StorageDriverLog.Unloadable(_logger, file, $"its UUID is {definition.Uuid}");
                return null;
            }
            return _backends.For(definition.Type).Normalize(definition);
        }
        catch (Exception e) when (e is DefinitionException or VirtException)
        {
            StorageDriverLog.Unloadable(_logger, file, e.Message);
            return null;
        }
    }

    private async Task CreateDefaultPoolAsync(string directory, CancellationToken ct)
    {
        var xml = $"<pool type='dir'><name>default</name><target><path>{System.Security.SecurityElement.Escape(Path.GetFullPath(directory))}</path></target></pool>";
        var pool = await DefinePoolAsync(xml, ct).ConfigureAwait(false);
        await StartPoolAsync(pool.Uuid.ToString("D"), PoolBuildMode.Default, ct).ConfigureAwait(false);
        await SetPoolAutostartAsync(pool.Uuid.ToString("D"), true, ct).ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();

    public Task<IReadOnlyList<StoragePoolSummary>> ListPoolsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<StoragePoolSummary>>([.. _pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Summary())]);
    }

    public Task<StoragePoolSummary> LookupPoolAsync(string nameOrUuid, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Find(nameOrUuid).Summary());
    }

    public async Task<StoragePoolSummary> DefinePoolAsync(string xml, CancellationToken cancellationToken)
    {
        var definition = Parse(xml);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = CheckConflicts(definition, allowSameUuid: true);
            // Not cancellable once the write starts: disk and memory must agree.
            await _definitions.SaveAsync(Key(definition.Uuid), StoragePoolXml.Format(definition), CancellationToken.None).ConfigureAwait(false);
            var entry = existing is null
                ? new PoolEntry { Live = definition, Config = definition }
                : existing with { Config = definition, Live = existing.Active ? existing.Live : definition };
            Publish(entry);
            Raise(new PoolLifecycleEvent(definition.Name, definition.Uuid, PoolEventType.Defined));
            StorageDriverLog.PoolChanged(_logger, definition.Name, "defined");
            return entry.Summary();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<StoragePoolSummary> CreatePoolAsync(string xml, PoolBuildMode? build, CancellationToken cancellationToken)
    {
        var definition = Parse(xml);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CheckConflicts(definition, allowSameUuid: false);
            var entry = await ActivateAsync(new PoolEntry { Live = definition }, build, cancellationToken).ConfigureAwait(false);
            await _live.SaveAsync(Key(definition.Uuid), StoragePoolXml.Format(definition), CancellationToken.None).ConfigureAwait(false);
            Publish(entry);
            Raise(new PoolLifecycleEvent(definition.Name, definition.Uuid, PoolEventType.Started));
            StorageDriverLog.PoolChanged(_logger, definition.Name, "created");
            return entry.Summary();
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task BuildPoolAsync(string pool, PoolBuildMode mode, CancellationToken cancellationToken) =>
        ChangeAsync(pool, async entry =>
        {
            if (entry.Active)
            {
                throw NotInState(entry, "build", "is already active; destroy it first");
            }
            await _backends.For(entry.Live.Type).BuildAsync(entry.Live, mode, cancellationToken).ConfigureAwait(false);
            return entry;
        }, cancellationToken, Lifecycle(PoolEventType.Created));

    public async Task<StoragePoolSummary> StartPoolAsync(string pool, PoolBuildMode? build, CancellationToken cancellationToken) =>
        (await ChangeAsync(pool, async entry =>
        {
            if (entry.Active)
            {
                throw NotInState(entry, "start", "is already active");
            }
            var definition = entry.Config ?? entry.Live;
            var started = await ActivateAsync(entry with { Live = definition }, build, cancellationToken).ConfigureAwait(false);
            await _live.SaveAsync(Key(definition.Uuid), StoragePoolXml.Format(definition), CancellationToken.None).ConfigureAwait(false);
            StorageDriverLog.PoolChanged(_logger, entry.Name, "started");
            return started;
        }, cancellationToken, Lifecycle(PoolEventType.Started)).ConfigureAwait(false))!.Summary();

    public Task DestroyPoolAsync(string pool, CancellationToken cancellationToken) =>
        ChangeAsync(pool, async entry =>
        {
            if (!entry.Active)
            {
                throw NotInState(entry, "destroy", "is not active");
            }
            CheckNothingInUse(entry, "destroy");
            await _backends.For(entry.Live.Type).StopAsync(entry.Live, cancellationToken).ConfigureAwait(false);
            await _live.DeleteAsync(Key(entry.Uuid), CancellationToken.None).ConfigureAwait(false);
            StorageDriverLog.PoolChanged(_logger, entry.Name, "destroyed");
            return entry.Config is null
                ? null
                : entry with { Active = false, Live = entry.Config, Sizes = PoolSizes.Zero, Volumes = entry.Volumes.Clear() };
        }, cancellationToken, Lifecycle(PoolEventType.Stopped));

    public Task DeletePoolAsync(string pool, CancellationToken cancellationToken) =>
        ChangeAsync(pool, async entry =>
        {
            if (entry.Active)
            {
                throw NotInState(entry, "delete", "is still active; destroy it first");
            }
            await _backends.For(entry.Live.Type).DeleteAsync(entry.Live, cancellationToken).ConfigureAwait(false);
            StorageDriverLog.PoolChanged(_logger, entry.Name, "deleted");
            return entry;
        }, cancellationToken, Lifecycle(PoolEventType.Deleted));

    public Task UndefinePoolAsync(string pool, CancellationToken cancellationToken) =>
        ChangeAsync(pool, async entry =>
        {
            if (entry.Config is null)
            {
                throw NotInState(entry, "undefine", "is transient");
            }
            await _definitions.DeleteAsync(Key(entry.Uuid), CancellationToken.None).ConfigureAwait(false);
            await _autostart.DeleteAsync(Key(entry.Uuid), CancellationToken.None).ConfigureAwait(false);
            StorageDriverLog.PoolChanged(_logger, entry.Name, "undefined");
            return entry.Active ? entry with { Config = null, Autostart = false } : null;
        }, cancellationToken, Lifecycle(PoolEventType.Undefined));

    public Task SetPoolAutostartAsync(string pool, bool autostart, CancellationToken cancellationToken) =>
        ChangeAsync(pool, async entry =>
        {
            if (entry.Config is null)
            {
                throw new VirtException(VirtErrorReason.OperationInvalid, $"cannot set autostart for transient pool '{entry.Name}'",
                    new Dictionary<string, string> { ["pool"] = entry.Name });
            }
            if (autostart)
            {
                await _autostart.SaveAsync(Key(entry.Uuid), entry.Name, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await _autostart.DeleteAsync(Key(entry.Uuid), CancellationToken.None).ConfigureAwait(false);
            }
            return entry with { Autostart = autostart };
        }, cancellationToken);

    public async Task<StoragePoolSummary> RefreshPoolAsync(string pool, CancellationToken cancellationToken) =>
        (await ChangeAsync(pool, async entry =>
        {
            if (!entry.Active)
            {
                throw NotInState(entry, "refresh", "is not active");
            }
            return await ScanAsync(entry, cancellationToken).ConfigureAwait(false);
        }, cancellationToken, entry => new PoolRefreshEvent(entry.Name, entry.Uuid)).ConfigureAwait(false))!.Summary();

    /// <summary>Builds (optionally) and starts the pool's backend, then scans it; the backend is stopped again if the scan fails.</summary>
    private static async Task<PoolEntry> ActivateAsync(PoolEntry entry, PoolBuildMode? build, CancellationToken ct)
    {
        var backend = _backends.For(entry.Live.Type);
        if (build is { } mode)
        {
            await backend.BuildAsync(entry.Live, mode, ct).ConfigureAwait(false);
        }
        await backend.StartAsync(entry.Live, ct).ConfigureAwait(false);
        try
        {
            return await ScanAsync(entry with { Active = true }, ct).ConfigureAwait(false);
        }
        catch
        {
            await backend.StopAsync(entry.Live, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<PoolEntry> ScanAsync(PoolEntry entry, CancellationToken ct)
    {
        var backend = _backends.For(entry.Live.Type);
        var volumes = await backend.ScanAsync(entry.Live, entry.Volumes, ct).ConfigureAwait(false);
        var sizes = await backend.SizesAsync(entry.Live, ct).ConfigureAwait(false);
        return entry with { Sizes = sizes, Volumes = volumes.ToImmutableSortedDictionary(v => v.Name, v => v, StringComparer.Ordinal) };
    }

    /// <summary>
    /// One change of one pool under the gate: <paramref name="change"/> returns the new entry (null removes the pool),
    /// which is published when it returns; then the <paramref name="raises"/> event, if any, so that a subscriber who
    /// looks the pool up on the event already sees the change.
    /// </summary>
    private async Task<PoolEntry?> ChangeAsync(string pool, Func<PoolEntry, Task<PoolEntry?>> change, CancellationToken ct, Func<PoolEntry, VirtEvent>? raises = null)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var entry = Find(pool);
            var changed = await change(entry).ConfigureAwait(false);
            if (changed is null)
            {
                _pools = _pools.Remove(entry.Uuid);
            }
            else
            {
                Publish(changed);
            }
            if (raises is not null)
            {
                Raise(raises(entry));
            }
            return changed;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Publish(PoolEntry entry) => _pools = _pools.SetItem(entry.Uuid, entry);

    private void Raise(VirtEvent raised) => _events?.Append(raised);

    private static Func<PoolEntry, VirtEvent> Lifecycle(PoolEventType type) => entry => new PoolLifecycleEvent(entry.Name, entry.Uuid, type);

    private PoolEntry Find(string nameOrUuid)
    {
        ArgumentNullException.ThrowIfNull(nameOrUuid);
        var pools = _pools;
        return pools.Values.FirstOrDefault(p => p.Name == nameOrUuid)
            ?? (Guid.TryParse(nameOrUuid, out var uuid) ? pools.GetValueOrDefault(uuid) : null)
            ?? throw new VirtException(VirtErrorReason.StoragePoolNotFound,
                $"Storage pool not found: no storage pool with matching {(Guid.TryParse(nameOrUuid, out var u) ? $"uuid '{u}'" : $"name '{nameOrUuid}'")}",
                new Dictionary<string, string> { ["pool"] = nameOrUuid });
    }

    private static StoragePoolDefinition Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        StoragePoolDefinition definition;
        try
        {
            definition = StoragePoolXml.Parse(xml);
        }
        catch (DefinitionException e)
        {
            throw VirtException.FromDefinition(e);
        }
        if (DefinitionNames.Check(definition.Name) is { } problem)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"{problem}; a pool name is {DefinitionNames.Rule}.",
                new Dictionary<string, string> { ["pool"] = definition.Name });
        }
        return _backends.For(definition.Type).Normalize(definition);
    }

    /// <summary>libvirt's checks on a new definition: the name and UUID belong together, and no two pools share their storage.</summary>
    private PoolEntry? CheckConflicts(StoragePoolDefinition definition, bool allowSameUuid)
    {
        var pools = _pools;
        var byUuid = pools.GetValueOrDefault(definition.Uuid);
        var byName = pools.Values.FirstOrDefault(p => p.Name == definition.Name);
        if (byName is not null && byName.Uuid != definition.Uuid)
        {
            throw new VirtException(VirtErrorReason.StoragePoolExists, $"operation failed: pool '{definition.Name}' already exists with uuid {byName.Uuid}",
                new Dictionary<string, string> { ["pool"] = definition.Name });
        }
        if (byUuid is not null && byUuid.Name != definition.Name)
        {
            throw new VirtException(VirtErrorReason.StoragePoolExists, $"operation failed: pool '{byUuid.Name}' is already defined with uuid {definition.Uuid}",
                new Dictionary<string, string> { ["pool"] = byUuid.Name });
        }
        if (byUuid is not null && (!allowSameUuid || (byUuid.Active && byUuid.Config is null)))
        {
            throw new VirtException(VirtErrorReason.StoragePoolExists, $"operation failed: pool '{definition.Name}' already exists",
                new Dictionary<string, string> { ["pool"] = definition.Name });
        }
        var storage = StorageKey(definition);
        if (pools.Values.FirstOrDefault(p => p.Uuid != definition.Uuid && StorageKey(p.Config ?? p.Live) == storage) is { } other)
        {
            throw new VirtException(VirtErrorReason.StoragePoolExists, $"operation failed: Storage source conflict with pool: '{other.Name}'",
                new Dictionary<string, string> { ["pool"] = other.Name });
        }
        return byUuid;
    }

    private static string StorageKey(StoragePoolDefinition pool) => pool.Type switch
    {
        StoragePoolType.Logical => "vg:" + pool.Source.Name,
        StoragePoolType.Iscsi => "iscsi:" + (pool.Source.Hosts.Count > 0 ? pool.Source.Hosts[0].Name : "") + "/" + (pool.Source.Devices.Count > 0 ? pool.Source.Devices[0] : ""),
        _ => "path:" + pool.Target?.Path,
    };

    private static VirtException NotInState(PoolEntry entry, string operation, string why) =>
        new(VirtErrorReason.OperationInvalid, $"Requested operation is not valid: storage pool '{entry.Name}' {why}",
            new Dictionary<string, string> { ["pool"] = entry.Name, ["operation"] = operation, ["state"] = entry.Active ? "active" : "inactive" });

    private static string Key(Guid uuid) => uuid.ToString("D");

    /// <summary>The backend of each pool type; <c>disk</c> pools are refused.</summary>
    private sealed class FrozenBackends
    {
        private readonly Dictionary<StoragePoolType, PoolBackend> _byType = new()
        {
            [StoragePoolType.Dir] = new DirBackend(),
            [StoragePoolType.Fs] = new FsBackend(),
            [StoragePoolType.Netfs] = new NetfsBackend(),
            [StoragePoolType.Logical] = new LogicalBackend(),
            [StoragePoolType.Iscsi] = new IscsiBackend(),
        };

        public PoolBackend For(StoragePoolType type) =>
            _byType.TryGetValue(type, out var backend)
                ? backend
                : throw VirtException.Unsupported("storage", $"{StorageXmlNames.StoragePoolType.ToXml(type)} pools (partitioned disks)");
    }
}
