using System.Globalization;
using Virt.Domain;
using Virt.Domain.Storage;
using Virt.Driver.Storage.Tools;

namespace Virt.Driver.Storage.Backends;

/// <summary>
/// <c>logical</c> pools: an LVM volume group, driven by lvm2's own commands (pvcreate, vgcreate, vgs, lvs, lvcreate,
/// lvremove, lvresize). Volumes are logical volumes (raw block devices at /dev/VG/LV). Activating a logical volume
/// needs the kernel's device-mapper; where it is missing, lvcreate's failure becomes
/// <see cref="VirtErrorReason.OperationUnsupported"/> saying so, and nothing is left behind.
/// </summary>
internal sealed class LogicalBackend : PoolBackend
{
    public override StoragePoolType Type => StoragePoolType.Logical;

    public override StoragePoolDefinition Normalize(StoragePoolDefinition pool)
    {
        var vg = pool.Source.Name ?? pool.Name;
        if (vg.Length == 0 || vg.StartsWith('-') || !vg.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+'))
        {
            throw Invalid($"'{vg}' is not a volume group name: LVM allows letters, digits, '.', '_', '-' and '+', not starting with '-'.", "source/name");
        }
        foreach (var device in pool.Source.Devices)
        {
            if (!Path.IsPathFullyQualified(device))
            {
                throw Invalid($"The source device '{device}' is not an absolute path.", "source/device");
            }
        }
        var target = pool.Target?.Path ?? "/dev/" + vg;
        return pool with
        {
            Source = pool.Source with { Name = vg, Format = pool.Source.Format ?? "lvm2" },
            Target = new StorageTarget(target, pool.Target?.Permissions),
        };
    }

    public override async Task BuildAsync(StoragePoolDefinition pool, PoolBuildMode mode, CancellationToken ct)
    {
        if (pool.Source.Devices.Count == 0)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Cannot build pool '{pool.Name}': it names no <source><device>; building makes a volume group on them.",
                new Dictionary<string, string> { ["pool"] = pool.Name });
        }
        foreach (var device in pool.Source.Devices)
        {
            if (mode != PoolBuildMode.Overwrite && await HasSignatureAsync(device, ct).ConfigureAwait(false))
            {
                throw new VirtException(VirtErrorReason.OperationInvalid,
                    $"Cannot build pool '{pool.Name}': device {device} already holds a filesystem, volume group or other data; pass --overwrite to reuse it.",
                    new Dictionary<string, string> { ["pool"] = pool.Name, ["device"] = device });
            }
        }
        foreach (var device in pool.Source.Devices)
        {
            await ToolRunner.RunCheckedAsync("pvcreate", ["-ff", "-y", device], $"initialise {device} as an LVM physical volume", ct).ConfigureAwait(false);
        }
        await ToolRunner.RunCheckedAsync("vgcreate", [Vg(pool), .. pool.Source.Devices], $"create volume group {Vg(pool)}", ct).ConfigureAwait(false);
    }

    public override async Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var vgs = await ToolRunner.RunAsync("vgs", ["--noheadings", "-o", "vg_name", Vg(pool)], ct).ConfigureAwait(false);
        if (!vgs.Succeeded)
        {
            throw new VirtException(VirtErrorReason.StorageBackendFailed, $"Cannot start pool '{pool.Name}': volume group {Vg(pool)} was not found ({vgs.ErrorText}); build the pool first.",
                new Dictionary<string, string> { ["pool"] = pool.Name, ["volumeGroup"] = Vg(pool) });
        }
        await ToolRunner.RunCheckedAsync("vgchange", ["-aay", Vg(pool)], $"activate volume group {Vg(pool)}", ct).ConfigureAwait(false);
    }

    public override Task StopAsync(StoragePoolDefinition pool, CancellationToken ct) =>
        ToolRunner.RunCheckedAsync("vgchange", ["-aln", Vg(pool)], $"deactivate volume group {Vg(pool)}", ct);

    public override async Task DeleteAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        await ToolRunner.RunCheckedAsync("vgremove", ["-f", Vg(pool)], $"remove volume group {Vg(pool)}", ct).ConfigureAwait(false);
        foreach (var device in pool.Source.Devices)
        {
            await ToolRunner.RunCheckedAsync("pvremove", ["-ff", "-y", device], $"remove the LVM label of {device}", ct).ConfigureAwait(false);
        }
    }

    /// <summary>The figures of <c>vgs</c>: capacity vg_size, available vg_free, allocation the difference.</summary>
    public override async Task<PoolSizes> SizesAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var vgs = await ToolRunner.RunCheckedAsync("vgs", ["--noheadings", "--units", "b", "--nosuffix", "--separator", ",", "-o", "vg_size,vg_free", Vg(pool)], $"read volume group {Vg(pool)}", ct).ConfigureAwait(false);
        var fields = vgs.Stdout.Trim().Split(',');
        var size = ulong.Parse(fields[0].Trim(), CultureInfo.InvariantCulture);
        var free = ulong.Parse(fields[1].Trim(), CultureInfo.InvariantCulture);
        return new PoolSizes(size, size - free, free);
    }

    public override string VolumePath(StoragePoolDefinition pool, string name) => $"/dev/{Vg(pool)}/{name}";

    public override async Task<IReadOnlyList<StorageVolumeDefinition>> ScanAsync(StoragePoolDefinition pool, IReadOnlyDictionary<string, StorageVolumeDefinition> known, CancellationToken ct)
    {
        var lvs = await ToolRunner.RunCheckedAsync("lvs", ["--noheadings", "--units", "b", "--nosuffix", "--separator", ",", "-o", "lv_name,lv_size", Vg(pool)], $"list the logical volumes of {Vg(pool)}", ct).ConfigureAwait(false);
        List<StorageVolumeDefinition> volumes = [];
        foreach (var line in lvs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',');
            if (fields.Length >= 2 && ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                volumes.Add(Volume(pool, fields[0], size));
            }
        }
        return volumes;
    }

    public override async Task<StorageVolumeDefinition> InspectAsync(StoragePoolDefinition pool, string name, StorageVolumeDefinition? known, CancellationToken ct) =>
        (await ScanAsync(pool, new Dictionary<string, StorageVolumeDefinition>(), ct).ConfigureAwait(false)).FirstOrDefault(v => v.Name == name)
            ?? throw new VirtException(VirtErrorReason.StorageVolumeNotFound, $"Storage volume not found: no storage vol with matching name '{name}'", new Dictionary<string, string> { ["volume"] = name });

    public override async Task<StorageVolumeDefinition> CreateVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeCreateOptions options, StorageVolumeDefinition? source, CancellationToken ct)
    {
        if (volume.Target.Format is { } format && format != ImageFormat.Raw)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Logical volumes are raw block devices; '{QemuImg.Name(format)}' is not a format of a logical pool's volumes.",
                new Dictionary<string, string> { ["volume"] = volume.Name, ["format"] = QemuImg.Name(format) });
        }
        if (volume.BackingStore is not null)
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported, "Logical volumes cannot have a backing store (LVM snapshots are not offered).",
                new Dictionary<string, string> { ["volume"] = volume.Name });
        }
        var capacity = (volume.CapacityBytes + 511) / 512 * 512;
        var created = await ToolRunner.RunAsync("lvcreate", ["--yes", "--name", volume.Name, "--size", capacity.ToString(CultureInfo.InvariantCulture) + "b", Vg(pool)], ct).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            await RemoveLeftoverAsync(pool, volume.Name).ConfigureAwait(false);
            throw LvmFailure(created, $"create logical volume '{volume.Name}' in {Vg(pool)}");
        }
        try
        {
            if (source is not null)
            {
                await QemuImg.ConvertAsync(source.Target.Path!, source.Target.Format ?? ImageFormat.Raw, VolumePath(pool, volume.Name), ImageFormat.Raw, [], options.Progress, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            await RemoveLeftoverAsync(pool, volume.Name).ConfigureAwait(false);
            throw;
        }
        return await InspectAsync(pool, volume.Name, null, ct).ConfigureAwait(false);
    }

    public override async Task DeleteVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, CancellationToken ct)
    {
        var removed = await ToolRunner.RunAsync("lvremove", ["-f", $"{Vg(pool)}/{volume.Name}"], ct).ConfigureAwait(false);
        if (!removed.Succeeded)
        {
            throw LvmFailure(removed, $"remove logical volume '{volume.Name}'");
        }
    }

    public override async Task ResizeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, ulong capacity, bool allocate, bool shrink, CancellationToken ct)
    {
        var size = (capacity + 511) / 512 * 512;
        var resized = await ToolRunner.RunAsync("lvresize", ["-f", "--size", size.ToString(CultureInfo.InvariantCulture) + "b", $"{Vg(pool)}/{volume.Name}"], ct).ConfigureAwait(false);
        if (!resized.Succeeded)
        {
            throw LvmFailure(resized, $"resize logical volume '{volume.Name}'");
        }
    }

    public override Task WipeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeWipeAlgorithm algorithm, Action<double>? progress, CancellationToken ct) =>
        DirBackend.WipeBytesAsync(VolumePath(pool, volume.Name), null, algorithm, blockDevice: true, progress, ct);

    private static StorageVolumeDefinition Volume(StoragePoolDefinition pool, string name, ulong size)
    {
        var path = $"/dev/{Vg(pool)}/{name}";
        return new StorageVolumeDefinition
        {
            Type = StorageVolumeType.Block,
            Name = name,
            Key = path,
            CapacityBytes = size,
            AllocationBytes = size,
            PhysicalBytes = size,
            Target = new VolumeTarget { Path = path, Format = ImageFormat.Raw },
        };
    }

    /// <summary>
    /// lvm2's failure as a typed error. Without device-mapper lvcreate cannot activate (or even zero) the new volume;
    /// that is this host's limit, not a transient failure, so it is OperationUnsupported with the cause named.
    /// </summary>
    private static VirtException LvmFailure(ToolResult result, string doing)
    {
        if (result.Stderr.Contains("device-mapper", StringComparison.OrdinalIgnoreCase) || !DeviceMapperInKernel())
        {
            return new VirtException(VirtErrorReason.OperationUnsupported,
                $"Cannot {doing}: device-mapper is missing on this host (the kernel has no device-mapper driver: it is not in /proc/misc and /dev/mapper/control cannot be opened), and LVM needs it to activate logical volumes. {result.Tool} said: {result.ErrorText}",
                new Dictionary<string, string> { ["tool"] = result.Tool, ["missing"] = "device-mapper" });
        }
        return ToolRunner.Failed(result, doing);
    }

    /// <summary>The kernel lists its device-mapper driver in /proc/misc (lvm2's package may create /dev/mapper/control regardless).</summary>
    private static bool DeviceMapperInKernel()
    {
        try
        {
            return File.ReadAllText("/proc/misc").Contains("device-mapper", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task RemoveLeftoverAsync(StoragePoolDefinition pool, string name)
    {
        // lvcreate may have written the volume's metadata before failing to activate it; take it back out.
        var lvs = await ToolRunner.RunAsync("lvs", ["--noheadings", "-o", "lv_name", $"{Vg(pool)}/{name}"], CancellationToken.None).ConfigureAwait(false);
        if (lvs.Succeeded && lvs.Stdout.Trim() == name)
        {
            await ToolRunner.RunAsync("lvremove", ["-f", $"{Vg(pool)}/{name}"], CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Vg(StoragePoolDefinition pool) => pool.Source.Name!;
}
