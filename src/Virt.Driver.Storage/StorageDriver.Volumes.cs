using System.Globalization;
using Virt.Domain;
using Virt.Domain.Storage;
using Virt.Driver.Storage.Backends;
using Virt.Driver.Storage.Tools;

namespace Virt.Driver.Storage;

/// <summary>Volumes: lookups from the snapshot; creates, deletes, resizes, wipes and transfers with the safety rules.</summary>
public sealed partial class StorageDriver
{
    public Task<IReadOnlyList<StorageVolumeSummary>> ListVolumesAsync(string pool, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entry = ActivePool(pool);
        return Task.FromResult<IReadOnlyList<StorageVolumeSummary>>([.. entry.Volumes.Values.Select(entry.Volume)]);
    }

    public Task<StorageVolumeSummary> LookupVolumeAsync(VolumeLocator volume, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (entry, found) = FindVolume(volume);
        return Task.FromResult(entry.Volume(found));
    }

    public async Task<StorageVolumeSummary> CreateVolumeAsync(string pool, StorageVolumeDefinition volume, VolumeCreateOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(options);
        CheckVolumeName(volume.Name);
        PoolEntry entry;
        StorageVolumeDefinition? source = null;
        string? sourcePath = null;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            entry = ActivePool(pool);
            var backend = _backends.For(entry.Live.Type);
            bool reserved;
            lock (_usageLock)
            {
                reserved = _reserved.Contains((entry.Uuid, volume.Name));
            }
            if (entry.Volumes.ContainsKey(volume.Name) || reserved || Path.Exists(backend.VolumePath(entry.Live, volume.Name)))
            {
                throw new VirtException(VirtErrorReason.StorageVolumeExists, $"storage volume '{volume.Name}' exists already",
                    new Dictionary<string, string> { ["pool"] = entry.Name, ["volume"] = volume.Name });
            }
            var format = volume.Target.Format ?? backend.DefaultFormat;
            if (entry.Live.Type != StoragePoolType.Logical && !QemuImg.Creatable.Contains(format))
            {
                throw new VirtException(VirtErrorReason.InvalidArgument,
                    $"Cannot create volume '{volume.Name}' in format '{QemuImg.Name(format)}'; the formats Virt creates are {string.Join(", ", QemuImg.Creatable.Select(QemuImg.Name).Order(StringComparer.Ordinal))}.",
                    new Dictionary<string, string> { ["volume"] = volume.Name, ["format"] = QemuImg.Name(format) });
            }
            volume = volume with { Target = volume.Target with { Format = format } };
            if (options.Source is { } sourceLocator)
            {
                var (_, found) = FindVolume(sourceLocator);
                source = found;
                sourcePath = found.Target.Path!;
                volume = volume with { CapacityBytes = Math.Max(volume.CapacityBytes, found.CapacityBytes) };
            }
            if (volume.BackingStore is { } backing)
            {
                volume = volume with { BackingStore = Backing(backing) };
                if (volume.CapacityBytes == 0)
                {
                    volume = volume with { CapacityBytes = KnownVolume(volume.BackingStore!.Path)?.CapacityBytes ?? 0 };
                }
                if (format != ImageFormat.Qcow2 && format != ImageFormat.Qed && format != ImageFormat.Vmdk)
                {
                    throw new VirtException(VirtErrorReason.InvalidArgument, $"A {QemuImg.Name(format)} volume cannot have a backing store; overlays are qcow2.",
                        new Dictionary<string, string> { ["volume"] = volume.Name });
                }
            }
            var sizes = await backend.SizesAsync(entry.Live, cancellationToken).ConfigureAwait(false);
            if (volume.CapacityBytes > sizes.Available)
            {
                throw new VirtException(VirtErrorReason.StorageNoSpace,
                    $"Cannot create volume '{volume.Name}' of {Bytes(volume.CapacityBytes)}: pool '{entry.Name}' has only {Bytes(sizes.Available)} available.",
                    new Dictionary<string, string>
                    {
                        ["pool"] = entry.Name,
                        ["volume"] = volume.Name,
                        ["requested"] = volume.CapacityBytes.ToString(CultureInfo.InvariantCulture),
                        ["available"] = sizes.Available.ToString(CultureInfo.InvariantCulture),
                    });
            }
            lock (_usageLock)
            {
                _reserved.Add((entry.Uuid, volume.Name));
            }
            if (sourcePath is not null)
            {
                MarkBusy(sourcePath, write: false);
            }
        }
        finally
        {
            _gate.Release();
        }

        StorageVolumeDefinition created;
        try
        {
            created = await _backends.For(entry.Live.Type).CreateVolumeAsync(entry.Live, volume, options, source, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_usageLock)
            {
                _reserved.Remove((entry.Uuid, volume.Name));
            }
            if (sourcePath is not null)
            {
                Unmark(sourcePath);
            }
        }
        StorageDriverLog.VolumeChanged(_logger, entry.Name, volume.Name, "created");
        return await CommitVolumeAsync(entry.Uuid, created, VolumeEventType.Created).ConfigureAwait(false);
    }

    public async Task DeleteVolumeAsync(VolumeLocator volume, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (entry, found) = FindVolume(volume);
            CheckNotInUse(entry, found, "delete");
            var path = found.Target.Path ?? "";
            if (_pools.Values.Where(p => p.Active).SelectMany(p => p.Volumes.Values).FirstOrDefault(v => v.BackingStore?.Path == path) is { } overlay)
            {
                throw InUse(entry, found, "delete", $"volume '{overlay.Name}' uses it as its backing store");
            }
            ConfinedOrThrow(entry, found);
            await _backends.For(entry.Live.Type).DeleteVolumeAsync(entry.Live, found, CancellationToken.None).ConfigureAwait(false);
            var updated = entry with { Volumes = entry.Volumes.Remove(found.Name) };
            updated = updated with { Sizes = await SizesOrOldAsync(updated).ConfigureAwait(false) };
            Publish(updated);
            Raise(VolumeLifecycleEvent.Of(entry.Volume(found), VolumeEventType.Deleted));
            StorageDriverLog.VolumeChanged(_logger, entry.Name, found.Name, "deleted");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<StorageVolumeSummary> WipeVolumeAsync(VolumeLocator volume, VolumeWipeAlgorithm algorithm, Action<double>? progress, CancellationToken cancellationToken)
    {
        var (entry, found) = await ClaimAsync(volume, "wipe", cancellationToken).ConfigureAwait(false);
        try
        {
            await _backends.For(entry.Live.Type).WipeVolumeAsync(entry.Live, found, algorithm, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Unmark(found.Target.Path!);
        }
        StorageDriverLog.VolumeChanged(_logger, entry.Name, found.Name, "wiped");
        return await ReinspectAsync(entry.Uuid, found, VolumeEventType.Wiped, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StorageVolumeSummary> ResizeVolumeAsync(VolumeLocator volume, ulong capacityBytes, bool allocate, bool shrink, CancellationToken cancellationToken)
    {
        var (entry, found) = await ClaimAsync(volume, "resize", cancellationToken).ConfigureAwait(false);
        try
        {
            if (capacityBytes < found.CapacityBytes && !shrink)
            {
                throw new VirtException(VirtErrorReason.InvalidArgument,
                    $"invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly specified (volume '{found.Name}' is {Bytes(found.CapacityBytes)}, asked for {Bytes(capacityBytes)})",
                    new Dictionary<string, string> { ["volume"] = found.Name, ["capacity"] = found.CapacityBytes.ToString(CultureInfo.InvariantCulture) });
            }
            if (capacityBytes == 0)
            {
                throw new VirtException(VirtErrorReason.InvalidArgument, "invalid argument: Can't shrink capacity below or equal to zero",
                    new Dictionary<string, string> { ["volume"] = found.Name });
            }
            if (capacityBytes > found.CapacityBytes)
            {
                var sizes = await _backends.For(entry.Live.Type).SizesAsync(entry.Live, cancellationToken).ConfigureAwait(false);
                if (capacityBytes - found.CapacityBytes > sizes.Available)
                {
                    throw new VirtException(VirtErrorReason.StorageNoSpace,
                        $"Not enough space left in storage pool '{entry.Name}': growing '{found.Name}' by {Bytes(capacityBytes - found.CapacityBytes)} needs more than the {Bytes(sizes.Available)} available.",
                        new Dictionary<string, string> { ["pool"] = entry.Name, ["volume"] = found.Name });
                }
            }
            if (capacityBytes != found.CapacityBytes)
            {
                await _backends.For(entry.Live.Type).ResizeVolumeAsync(entry.Live, found, capacityBytes, allocate, shrink, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Unmark(found.Target.Path!);
        }
        StorageDriverLog.VolumeChanged(_logger, entry.Name, found.Name, "resized");
        return await ReinspectAsync(entry.Uuid, found, VolumeEventType.Resized, cancellationToken).ConfigureAwait(false);
    }

    public async Task<VolumeDataStream> OpenVolumeDataAsync(VolumeLocator volume, bool write, ulong offset, CancellationToken cancellationToken)
    {
        PoolEntry entry;
        StorageVolumeDefinition found;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (entry, found) = FindVolume(volume);
            ConfinedOrThrow(entry, found);
            if (write)
            {
                CheckNotInUse(entry, found, "upload to");
            }
            MarkBusy(found.Target.Path!, write);
        }
        finally
        {
            _gate.Release();
        }
        var path = found.Target.Path!;
        FileStream? stream = null;
        try
        {
            // No buffering of ours: callers move whole chunks, and a second copy would only cost time. A file volume is
            // opened without following a link swapped in since the check above (DirBackend.OpenVolumeFile).
            stream = IsFileBacked(entry)
                ? DirBackend.OpenVolumeFile(entry.Live.Target!.Path!, path, write)
                : new FileStream(path, FileMode.Open, write ? FileAccess.Write : FileAccess.Read, FileShare.ReadWrite, 0, FileOptions.Asynchronous);
            var size = found.Type == StorageVolumeType.Block ? NativeMethods.BlockDeviceSize(stream.SafeFileHandle) : (ulong)stream.Length;
            if (offset > size)
            {
                throw new VirtException(VirtErrorReason.InvalidArgument, $"offset {offset} is beyond the end of volume '{found.Name}' ({size} bytes)",
                    new Dictionary<string, string> { ["volume"] = found.Name });
            }
            stream.Seek((long)offset, SeekOrigin.Begin);
            var summary = entry.Volume(found);
            var uuid = entry.Uuid;
            return new VolumeDataStream(summary, stream, size, async () =>
            {
                Unmark(path);
                if (write)
                {
                    await ReinspectAsync(uuid, found, VolumeEventType.Uploaded, CancellationToken.None).ConfigureAwait(false);
                }
            });
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            Unmark(path);
            throw;
        }
    }

    public async Task<VolumeLease> AcquireAsync(string domain, string pool, string volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (entry, found) = FindVolume(VolumeLocator.InPool(pool, volume));
            ConfinedOrThrow(entry, found);
            var path = found.Target.Path!;
            lock (_usageLock)
            {
                if (!_leases.TryGetValue(path, out var users))
                {
                    _leases[path] = users = [];
                }
                users.Add(domain);
            }
            return new VolumeLease(path, found.Target.Format ?? ImageFormat.Raw, found.Type == StorageVolumeType.Block, () =>
            {
                lock (_usageLock)
                {
                    if (_leases.TryGetValue(path, out var users) && users.Remove(domain) && users.Count == 0)
                    {
                        _leases.Remove(path);
                    }
                }
            });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Finds a volume, checks nobody uses it, and marks it busy (exclusive) for a change made outside the gate.</summary>
    private async Task<(PoolEntry Entry, StorageVolumeDefinition Volume)> ClaimAsync(VolumeLocator volume, string operation, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (entry, found) = FindVolume(volume);
            ConfinedOrThrow(entry, found);
            CheckNotInUse(entry, found, operation);
            MarkBusy(found.Target.Path!, write: true);
            return (entry, found);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Publishes a volume's new figures in its pool, then raises <paramref name="raises"/> for it.</summary>
    private async Task<StorageVolumeSummary> CommitVolumeAsync(Guid pool, StorageVolumeDefinition volume, VolumeEventType raises)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!_pools.TryGetValue(pool, out var entry))
            {
                throw new VirtException(VirtErrorReason.StoragePoolNotFound, "The pool was removed while the volume was being made.");
            }
            entry = entry with { Volumes = entry.Volumes.SetItem(volume.Name, volume) };
            entry = entry with { Sizes = await SizesOrOldAsync(entry).ConfigureAwait(false) };
            Publish(entry);
            var summary = entry.Volume(volume);
            Raise(VolumeLifecycleEvent.Of(summary, raises));
            return summary;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<StorageVolumeSummary> ReinspectAsync(Guid pool, StorageVolumeDefinition volume, VolumeEventType raises, CancellationToken ct)
    {
        if (!_pools.TryGetValue(pool, out var entry))
        {
            return new StorageVolumeSummary { Definition = volume, PoolName = "", PoolUuid = pool };
        }
        StorageVolumeDefinition updated;
        try
        {
            updated = await _backends.For(entry.Live.Type).InspectAsync(entry.Live, volume.Name, volume, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VirtException or IOException)
        {
            // The contents no longer read as the known format (e.g. other bytes uploaded into a qcow2 volume): keep the last figures.
            updated = volume;
        }
        return await CommitVolumeAsync(pool, updated, raises).ConfigureAwait(false);
    }

    private static async Task<PoolSizes> SizesOrOldAsync(PoolEntry entry)
    {
        try
        {
            return await _backends.For(entry.Live.Type).SizesAsync(entry.Live, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VirtException or IOException)
        {
            return entry.Sizes;
        }
    }

    private PoolEntry ActivePool(string pool)
    {
        var entry = Find(pool);
        return entry.Active ? entry : throw NotInState(entry, "use", "is not active");
    }

    private (PoolEntry Entry, StorageVolumeDefinition Volume) FindVolume(VolumeLocator volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Pool is not null && volume.Name is not null)
        {
            var entry = ActivePool(volume.Pool);
            if (entry.Volumes.TryGetValue(volume.Name, out var found))
            {
                return (entry, found);
            }
        }
        else
        {
            var wanted = volume.Key ?? volume.Path!;
            if (volume.Path is not null && Path.IsPathFullyQualified(wanted))
            {
                wanted = Path.GetFullPath(wanted);
            }
            foreach (var entry in _pools.Values.Where(p => p.Active))
            {
                if (entry.Volumes.Values.FirstOrDefault(v => (volume.Key is not null ? v.Key : v.Target.Path) == wanted) is { } found)
                {
                    return (entry, found);
                }
            }
        }
        throw new VirtException(VirtErrorReason.StorageVolumeNotFound, $"Storage volume not found: no storage vol with matching {volume.Describe()}",
            new Dictionary<string, string> { ["volume"] = volume.ToString() });
    }

    private StorageVolumeDefinition? KnownVolume(string path) =>
        _pools.Values.Where(p => p.Active).SelectMany(p => p.Volumes.Values).FirstOrDefault(v => v.Target.Path == path);

    /// <summary>A backing store as qemu-img will be told it: an existing absolute path with its format known (from its pool, or read from its header).</summary>
    private VolumeBackingStore Backing(VolumeBackingStore backing)
    {
        var path = backing.Path;
        if (!Path.IsPathFullyQualified(path) || !File.Exists(path))
        {
            throw new VirtException(VirtErrorReason.StorageVolumeNotFound, $"The backing store '{path}' does not exist; give the absolute path, key or name of an existing volume.",
                new Dictionary<string, string> { ["path"] = path });
        }
        path = Path.GetFullPath(path);
        var format = backing.Format ?? KnownVolume(path)?.Target.Format ?? ImageHeader.Sniff(path);
        return backing with { Path = path, Format = format };
    }

    /// <summary>Volume names are file names inside the pool: nothing that could walk out of it or hide as a temporary file.</summary>
    private static void CheckVolumeName(string name)
    {
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, "The volume name contains a NUL character; a volume name is " + DefinitionNames.Rule + ".",
                new Dictionary<string, string> { ["volume"] = name.Replace("\0", "\\0", StringComparison.Ordinal) });
        }
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or ".." || name.StartsWith('.'))
        {
            throw new VirtException(VirtErrorReason.StoragePathNotConfined,
                $"Volume name '{name}' would leave its pool or hide in it: a volume name is {DefinitionNames.Rule}.",
                new Dictionary<string, string> { ["volume"] = name });
        }
        if (DefinitionNames.Check(name) is { } problem)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"{problem}; a volume name is {DefinitionNames.Rule}.",
                new Dictionary<string, string> { ["volume"] = name });
        }
    }

    private static bool IsFileBacked(PoolEntry entry) => entry.Live.Type is StoragePoolType.Dir or StoragePoolType.Fs or StoragePoolType.Netfs;

    private static void ConfinedOrThrow(PoolEntry entry, StorageVolumeDefinition volume)
    {
        if (IsFileBacked(entry) && !DirBackend.Confined(entry.Live.Target!.Path!, volume.Target.Path!))
        {
            throw new VirtException(VirtErrorReason.StoragePathNotConfined, $"Volume '{volume.Name}' resolves outside pool '{entry.Name}' (a symbolic link out of {entry.Live.Target.Path}); it is not touched.",
                new Dictionary<string, string> { ["pool"] = entry.Name, ["volume"] = volume.Name });
        }
    }

    private void CheckNotInUse(PoolEntry entry, StorageVolumeDefinition volume, string operation)
    {
        var path = volume.Target.Path ?? "";
        lock (_usageLock)
        {
            if (_leases.TryGetValue(path, out var domains) && domains.Count > 0)
            {
                throw InUse(entry, volume, operation, $"domain '{domains[0]}' is using it");
            }
            if (_busy.ContainsKey(path))
            {
                throw InUse(entry, volume, operation, "a transfer, copy or wipe of it is in progress");
            }
        }
    }

    private void CheckNothingInUse(PoolEntry entry, string operation)
    {
        foreach (var volume in entry.Volumes.Values)
        {
            CheckNotInUse(entry, volume, operation + " the pool of");
        }
        lock (_usageLock)
        {
            if (_reserved.Any(r => r.Pool == entry.Uuid))
            {
                throw new VirtException(VirtErrorReason.StorageVolumeInUse, $"Cannot {operation} pool '{entry.Name}': a volume is being created in it.",
                    new Dictionary<string, string> { ["pool"] = entry.Name });
            }
        }
    }

    private static VirtException InUse(PoolEntry entry, StorageVolumeDefinition volume, string operation, string why) =>
        new(VirtErrorReason.StorageVolumeInUse, $"Cannot {operation} volume '{volume.Name}' of pool '{entry.Name}': {why}.",
            new Dictionary<string, string> { ["pool"] = entry.Name, ["volume"] = volume.Name });

    private void MarkBusy(string path, bool write)
    {
        lock (_usageLock)
        {
            var current = _busy.GetValueOrDefault(path);
            if (current < 0 || (write && current > 0))
            {
                throw new VirtException(VirtErrorReason.StorageVolumeInUse, $"Volume {path} is busy: a transfer, copy or wipe of it is in progress.",
                    new Dictionary<string, string> { ["path"] = path });
            }
            _busy[path] = write ? -1 : current + 1;
        }
    }

    private void Unmark(string path)
    {
        lock (_usageLock)
        {
            var current = _busy.GetValueOrDefault(path);
            if (current <= 1)
            {
                _busy.Remove(path);
            }
            else
            {
                _busy[path] = current - 1;
            }
        }
    }

    private static string Bytes(ulong bytes) => bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
}
