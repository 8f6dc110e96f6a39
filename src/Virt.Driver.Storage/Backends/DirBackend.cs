using System.Globalization;
using Virt.Domain;
using Virt.Domain.Storage;
using Virt.Driver.Storage.Tools;

namespace Virt.Driver.Storage.Backends;

/// <summary>
/// <c>dir</c> pools, and the file volumes every filesystem pool (dir, fs, netfs) shares: each volume is a file in the
/// target directory, made by qemu-img under a hidden temporary name (<see cref="PartialPrefix"/>) and renamed into
/// place without replacing anything, so a failed or interrupted create leaves no volume behind.
/// </summary>
internal class DirBackend : PoolBackend
{
    /// <summary>Temporary files of creates in progress. Volume names cannot start with '.', so none can collide.</summary>
    public const string PartialPrefix = ".virt-partial-";

    private const int ChunkBytes = 1 << 20;

    public override StoragePoolType Type => StoragePoolType.Dir;

    public override StoragePoolDefinition Normalize(StoragePoolDefinition pool) =>
        pool with { Target = new StorageTarget(RequireAbsoluteTarget(pool), pool.Target?.Permissions) };

    public override Task BuildAsync(StoragePoolDefinition pool, PoolBuildMode mode, CancellationToken ct)
    {
        var target = Target(pool);
        if (Directory.Exists(target) && mode == PoolBuildMode.NoOverwrite && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new VirtException(VirtErrorReason.OperationInvalid, $"Cannot build pool '{pool.Name}': its target {target} exists and is not empty (--no-overwrite).",
                new Dictionary<string, string> { ["pool"] = pool.Name, ["path"] = target });
        }
        var mode0 = pool.Target?.Permissions?.Mode is { } m ? (UnixFileMode)m : (UnixFileMode)Convert.ToInt32("755", 8);
        Directory.CreateDirectory(target, mode0);
        return Task.CompletedTask;
    }

    public override Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var target = Target(pool);
        return Directory.Exists(target)
            ? Task.CompletedTask
            : throw new VirtException(VirtErrorReason.StorageBackendFailed, $"cannot open directory '{target}': No such file or directory; build the pool first (pool-build or pool-start --build).",
                new Dictionary<string, string> { ["pool"] = pool.Name, ["path"] = target });
    }

    public override Task StopAsync(StoragePoolDefinition pool, CancellationToken ct) => Task.CompletedTask;

    public override Task DeleteAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var target = Target(pool);
        if (!Directory.Exists(target))
        {
            return Task.CompletedTask;
        }
        if (Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new VirtException(VirtErrorReason.OperationInvalid, $"Cannot delete pool '{pool.Name}': its directory {target} is not empty; delete its volumes first.",
                new Dictionary<string, string> { ["pool"] = pool.Name, ["path"] = target });
        }
        Directory.Delete(target);
        return Task.CompletedTask;
    }

    public override Task<PoolSizes> SizesAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var (capacity, allocation, available) = NativeMethods.FilesystemSizes(Target(pool));
        return Task.FromResult(new PoolSizes(capacity, allocation, available));
    }

    public override string VolumePath(StoragePoolDefinition pool, string name) => Path.Combine(Target(pool), name);

    public override async Task<IReadOnlyList<StorageVolumeDefinition>> ScanAsync(StoragePoolDefinition pool, IReadOnlyDictionary<string, StorageVolumeDefinition> known, CancellationToken ct)
    {
        var target = Target(pool);
        List<StorageVolumeDefinition> volumes = [];
        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos())
        {
            ct.ThrowIfCancellationRequested();
            if (entry.Name.StartsWith(PartialPrefix, StringComparison.Ordinal))
            {
                // A create that was interrupted (virtd killed): never a volume; its qemu-img, if still running, writes to an unlinked file.
                TryDelete(entry.FullName);
                continue;
            }
            if (entry.Name.StartsWith('.') || entry is DirectoryInfo || DefinitionNames.Check(entry.Name) is not null)
            {
                continue;
            }
            if (entry.LinkTarget is not null && !Confined(target, entry.FullName))
            {
                continue;
            }
            try
            {
                volumes.Add(await InspectAsync(pool, entry.Name, known.GetValueOrDefault(entry.Name), ct).ConfigureAwait(false));
            }
            catch (Exception e) when (e is IOException or VirtException)
            {
                // Gone meanwhile, or unreadable: not listed (libvirt skips such files too).
            }
        }
        return volumes;
    }

    public override async Task<StorageVolumeDefinition> InspectAsync(StoragePoolDefinition pool, string name, StorageVolumeDefinition? known, CancellationToken ct)
    {
        var path = VolumePath(pool, name);
        var format = known?.Target.Format ?? ImageHeader.Sniff(path);
        var (length, allocated, mode, uid, gid) = NativeMethods.FileSizes(path);
        var target = new VolumeTarget
        {
            Path = path,
            Format = format,
            Permissions = new StoragePermissions(mode & 0xfff, uid, gid, null),
        };
        var capacity = length;
        VolumeBackingStore? backing = null;
        if (format != ImageFormat.Raw && format != ImageFormat.Iso)
        {
            var info = await QemuImg.InfoAsync(path, format, ct).ConfigureAwait(false);
            capacity = info.VirtualSize;
            target = target with
            {
                Compat = format == ImageFormat.Qcow2 ? info.Compat : null,
                ClusterSizeBytes = info.ClusterSize,
                LazyRefcounts = info.LazyRefcounts,
            };
            if (info.BackingFile is { } backingFile)
            {
                var backingPath = Path.IsPathFullyQualified(backingFile) ? backingFile : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, backingFile));
                var backingFormat = known?.BackingStore?.Format ?? info.BackingFormat;
                StoragePermissions? backingPermissions = null;
                if (File.Exists(backingPath))
                {
                    var (_, _, bmode, buid, bgid) = NativeMethods.FileSizes(backingPath);
                    backingPermissions = new StoragePermissions(bmode & 0xfff, buid, bgid, null);
                }
                backing = new VolumeBackingStore(backingPath, backingFormat, backingPermissions);
            }
        }
        return new StorageVolumeDefinition
        {
            Type = StorageVolumeType.File,
            Name = name,
            Key = path,
            CapacityBytes = capacity,
            AllocationBytes = allocated,
            PhysicalBytes = length,
            Target = target,
            BackingStore = backing,
        };
    }

    public override async Task<StorageVolumeDefinition> CreateVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeCreateOptions options, StorageVolumeDefinition? source, CancellationToken ct)
    {
        var format = volume.Target.Format ?? DefaultFormat;
        var path = VolumePath(pool, volume.Name);
        var partial = Path.Combine(Target(pool), PartialPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            if (source is not null)
            {
                await QemuImg.ConvertAsync(source.Target.Path!, source.Target.Format ?? ImageFormat.Raw, partial, format, ImageOptions(volume, options), options.Progress, ct).ConfigureAwait(false);
                if (volume.CapacityBytes > source.CapacityBytes)
                {
                    await QemuImg.ResizeAsync(partial, format, volume.CapacityBytes, shrink: false, allocate: false, ct).ConfigureAwait(false);
                }
            }
            else if (format == ImageFormat.Raw)
            {
                CreateRaw(partial, volume.CapacityBytes, options.Sparse ? 0 : Math.Min(volume.AllocationBytes, volume.CapacityBytes));
            }
            else
            {
                var backing = volume.BackingStore;
                await QemuImg.CreateAsync(partial, format, volume.CapacityBytes, ImageOptions(volume, options), backing?.Path, backing?.Format, ct).ConfigureAwait(false);
            }
            File.SetUnixFileMode(partial, (UnixFileMode)(volume.Target.Permissions?.Mode ?? Convert.ToUInt32("600", 8)));
            if (volume.Target.Permissions is { } p && (p.Owner is not null || p.Group is not null))
            {
                await ToolRunner.RunCheckedAsync("chown", [$"{p.Owner?.ToString(CultureInfo.InvariantCulture) ?? ""}:{p.Group?.ToString(CultureInfo.InvariantCulture) ?? ""}", partial], $"set the owner of volume '{volume.Name}'", ct).ConfigureAwait(false);
            }
            if (!NativeMethods.TryRenameNoReplace(partial, path, out var errno))
            {
                throw errno == 17
                    ? new VirtException(VirtErrorReason.StorageVolumeExists, $"storage volume '{volume.Name}' exists already", new Dictionary<string, string> { ["volume"] = volume.Name, ["pool"] = pool.Name })
                    : new IOException($"rename {partial} to {path} failed (errno {errno})");
            }
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
        return await InspectAsync(pool, volume.Name, new StorageVolumeDefinition { Name = volume.Name, Target = new VolumeTarget { Format = format }, BackingStore = volume.BackingStore }, ct).ConfigureAwait(false);
    }

    public override Task DeleteVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, CancellationToken ct)
    {
        File.Delete(VolumePath(pool, volume.Name));
        return Task.CompletedTask;
    }

    public override Task ResizeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, ulong capacity, bool allocate, bool shrink, CancellationToken ct)
    {
        var format = volume.Target.Format ?? ImageFormat.Raw;
        if (format is not (ImageFormat.Raw or ImageFormat.Qcow2 or ImageFormat.Qed))
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported, $"Cannot resize volume '{volume.Name}': qemu-img cannot resize {QemuImg.Name(format)} images; convert it to qcow2 or raw (vol-create-from) first.",
                new Dictionary<string, string> { ["volume"] = volume.Name, ["format"] = QemuImg.Name(format) });
        }
        return QemuImg.ResizeAsync(VolumePath(pool, volume.Name), format, capacity, shrink, allocate && format == ImageFormat.Raw, ct);
    }

    public override async Task WipeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeWipeAlgorithm algorithm, Action<double>? progress, CancellationToken ct)
    {
        var path = VolumePath(pool, volume.Name);
        var format = volume.Target.Format ?? ImageFormat.Raw;
        if (format != ImageFormat.Raw)
        {
            if (algorithm != VolumeWipeAlgorithm.Zero)
            {
                throw new VirtException(VirtErrorReason.OperationUnsupported, $"Cannot wipe {QemuImg.Name(format)} volume '{volume.Name}' with the {algorithm.ToString().ToLowerInvariant()} algorithm: it would destroy the image format; use zero.",
                    new Dictionary<string, string> { ["volume"] = volume.Name, ["algorithm"] = algorithm.ToString().ToLowerInvariant() });
            }
            // An image format wiped with zeroes is the same image, empty: made anew beside it and renamed over it.
            var fresh = Path.Combine(Target(pool), PartialPrefix + Guid.NewGuid().ToString("N"));
            try
            {
                await QemuImg.CreateAsync(fresh, format, volume.CapacityBytes, ImageOptions(volume, new VolumeCreateOptions()), volume.BackingStore?.Path, volume.BackingStore?.Format, ct).ConfigureAwait(false);
                File.SetUnixFileMode(fresh, File.GetUnixFileMode(path));
                File.Move(fresh, path, overwrite: true);
            }
            catch
            {
                TryDelete(fresh);
                throw;
            }
            return;
        }
        await WipeBytesAsync(path, Target(pool), algorithm, blockDevice: false, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Overwrites a raw file or block device: zero (holes where the filesystem can punch them) or random.</summary>
    /// <param name="path">The volume's file or device.</param>
    /// <param name="poolTarget">For a file volume, its pool's directory: the file is opened with <see cref="OpenVolumeFile"/>.</param>
    /// <param name="algorithm">Zero or random.</param>
    /// <param name="blockDevice">The volume is a block device (its size comes from BLKGETSIZE64).</param>
    /// <param name="progress">Called with the share written so far, 0 to 1.</param>
    /// <param name="ct">Cancels the wipe.</param>
    public static async Task WipeBytesAsync(string path, string? poolTarget, VolumeWipeAlgorithm algorithm, bool blockDevice, Action<double>? progress, CancellationToken ct)
    {
        if (algorithm is not (VolumeWipeAlgorithm.Zero or VolumeWipeAlgorithm.Random))
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported,
                $"The {algorithm.ToString().ToLowerInvariant()} wipe algorithm needs the scrub tool, which Virt does not use; use zero or random.",
                new Dictionary<string, string> { ["algorithm"] = algorithm.ToString().ToLowerInvariant() });
        }
        await using var file = poolTarget is null
            ? new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 0, FileOptions.Asynchronous)
            : OpenVolumeFile(poolTarget, path, write: true);
        var length = blockDevice ? (long)NativeMethods.BlockDeviceSize(file.SafeFileHandle) : file.Length;
        if (algorithm == VolumeWipeAlgorithm.Zero && !blockDevice && length > 0 && NativeMethods.TryPunchHole(file.SafeFileHandle, 0, length))
        {
            return;
        }
        var buffer = new byte[ChunkBytes];
        for (long done = 0; done < length; done += buffer.Length)
        {
            var count = (int)Math.Min(buffer.Length, length - done);
            if (algorithm == VolumeWipeAlgorithm.Random)
            {
                // Overwriting needs bytes unlike the old ones, not unpredictable ones; a seeded generator is fast and
                // keeps OpenSSL out of virtd.
                Random.Shared.NextBytes(buffer.AsSpan(0, count));
            }
            await file.WriteAsync(buffer.AsMemory(0, count), ct).ConfigureAwait(false);
            progress?.Invoke((double)(done + count) / length);
        }
        await file.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>qemu-img -o options from the volume's target: compat, cluster size, lazy refcounts, metadata preallocation.</summary>
    protected static List<string> ImageOptions(StorageVolumeDefinition volume, VolumeCreateOptions options)
    {
        List<string> o = [];
        var format = volume.Target.Format ?? ImageFormat.Raw;
        if (format == ImageFormat.Qcow2)
        {
            var compat = volume.Target.Compat ?? "1.1";
            if (volume.Target.LazyRefcounts && compat == "0.10")
            {
                throw new VirtException(VirtErrorReason.InvalidArgument, "lazy_refcounts needs qcow2 compat 1.1; drop <compat>0.10</compat> or the feature.",
                    new Dictionary<string, string> { ["volume"] = volume.Name });
            }
            o.Add("compat=" + compat);
            if (volume.Target.ClusterSizeBytes is { } cluster)
            {
                o.Add("cluster_size=" + cluster.ToString(CultureInfo.InvariantCulture));
            }
            if (volume.Target.LazyRefcounts)
            {
                o.Add("lazy_refcounts=on");
            }
            if (options.PreallocateMetadata)
            {
                o.Add("preallocation=metadata");
            }
        }
        else if (options.PreallocateMetadata)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Metadata preallocation is for qcow2 volumes; '{volume.Name}' is {QemuImg.Name(format)}.",
                new Dictionary<string, string> { ["volume"] = volume.Name });
        }
        return o;
    }

    protected static string Target(StoragePoolDefinition pool) => pool.Target?.Path ?? throw new InvalidOperationException("normalized pools have a target");

    private static void CreateRaw(string path, ulong capacity, ulong allocation)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);
        file.SetLength((long)capacity);
        if (allocation > 0 && !NativeMethods.TryAllocate(file.SafeFileHandle, 0, (long)allocation))
        {
            throw new VirtException(VirtErrorReason.StorageBackendFailed, $"Cannot preallocate {allocation} bytes for {path}: the filesystem does not support fallocate or is full.",
                new Dictionary<string, string> { ["path"] = path });
        }
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Opens a file volume's bytes (no buffering of its own): a symbolic link that stays in the pool is followed once,
    /// the file it names must be directly in the pool's directory, and that file is opened with O_NOFOLLOW, so a link
    /// planted or swapped in after the volume was checked cannot redirect the read or write out of the pool.
    /// </summary>
    /// <exception cref="VirtException">StoragePathNotConfined when the volume leaves the pool, is a link or no regular file.</exception>
    public static FileStream OpenVolumeFile(string poolTarget, string path, bool write)
    {
        var name = Path.GetFileName(path);
        string real;
        try
        {
            real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException e)
        {
            throw NotConfined(name, poolTarget, $"its link cannot be resolved: {e.Message}");
        }
        var realTarget = new DirectoryInfo(poolTarget).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? poolTarget;
        if (!string.Equals(Path.GetDirectoryName(real), Path.TrimEndingDirectorySeparator(realTarget), StringComparison.Ordinal))
        {
            throw NotConfined(name, poolTarget, $"it resolves to {real}, outside the pool");
        }
        var handle = NativeMethods.OpenNoFollow(real, write, out var refused) ?? throw NotConfined(name, poolTarget, $"{real} is not opened: {refused}");
        return new FileStream(handle, write ? FileAccess.Write : FileAccess.Read, 0);
    }

    private static VirtException NotConfined(string volume, string poolTarget, string why) =>
        new(VirtErrorReason.StoragePathNotConfined, $"Volume '{volume}' in {poolTarget} is not touched: {why}.",
            new Dictionary<string, string> { ["volume"] = volume, ["path"] = poolTarget });

    /// <summary>True when <paramref name="path"/> resolves (symlinks followed) to an entry directly inside the pool's target.</summary>
    public static bool Confined(string target, string path)
    {
        try
        {
            var real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
            var realTarget = new DirectoryInfo(target).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? target;
            return string.Equals(Path.GetDirectoryName(real), Path.TrimEndingDirectorySeparator(realTarget), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    protected static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
