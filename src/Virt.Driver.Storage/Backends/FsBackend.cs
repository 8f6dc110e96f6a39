using Virt.Domain.Storage;
using Virt.Driver.Storage.Tools;

namespace Virt.Driver.Storage.Backends;

/// <summary>
/// <c>fs</c> pools: a block device (or an image file, which mount attaches through a loop device) with a filesystem,
/// mounted on the target directory. Build makes the filesystem (mkfs) and the directory; volumes are files as in a
/// dir pool.
/// </summary>
internal sealed class FsBackend : DirBackend
{
    public override StoragePoolType Type => StoragePoolType.Fs;

    public override StoragePoolDefinition Normalize(StoragePoolDefinition pool)
    {
        var normalized = base.Normalize(pool);
        var device = pool.Source.Devices.Count == 1 ? pool.Source.Devices[0]
            : throw Invalid("An fs pool needs exactly one <source><device path='…'/>: the block device or image file to mount.", "source/device");
        if (!Path.IsPathFullyQualified(device))
        {
            throw Invalid($"The source device '{device}' is not an absolute path.", "source/device");
        }
        return normalized with { Source = pool.Source with { Format = pool.Source.Format ?? "auto" } };
    }

    public override async Task BuildAsync(StoragePoolDefinition pool, PoolBuildMode mode, CancellationToken ct)
    {
        var device = pool.Source.Devices[0];
        if (!File.Exists(device))
        {
            throw new VirtException(VirtErrorReason.StorageBackendFailed, $"Cannot build pool '{pool.Name}': source device {device} does not exist.",
                new Dictionary<string, string> { ["pool"] = pool.Name, ["device"] = device });
        }
        var format = pool.Source.Format is null or "auto" ? "ext4" : pool.Source.Format;
        if (mode != PoolBuildMode.Overwrite && await HasSignatureAsync(device, ct).ConfigureAwait(false))
        {
            throw new VirtException(VirtErrorReason.OperationInvalid,
                $"Cannot build pool '{pool.Name}': device {device} already holds a filesystem or other data; pass --overwrite to format it anyway.",
                new Dictionary<string, string> { ["pool"] = pool.Name, ["device"] = device });
        }
        List<string> argv = ["-t", format];
        if (format.StartsWith("ext", StringComparison.Ordinal))
        {
            // mke2fs asks before formatting a regular file or a device with data; the check above already decided.
            argv.AddRange(["-F", "-q"]);
        }
        argv.Add(device);
        await ToolRunner.RunCheckedAsync("mkfs", argv, $"make a {format} filesystem on {device}", ct).ConfigureAwait(false);
        await base.BuildAsync(pool, PoolBuildMode.Default, ct).ConfigureAwait(false);
    }

    public override async Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var target = Target(pool);
        if (MountTable.IsMounted(target))
        {
            return;
        }
        if (!Directory.Exists(target))
        {
            await base.StartAsync(pool, ct).ConfigureAwait(false);
        }
        List<string> argv = [];
        if (pool.Source.Format is { } format && format != "auto")
        {
            argv.AddRange(["-t", format]);
        }
        argv.AddRange([pool.Source.Devices[0], target]);
        await ToolRunner.RunCheckedAsync("mount", argv, $"mount {pool.Source.Devices[0]} on {target}", ct).ConfigureAwait(false);
    }

    public override async Task StopAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var target = Target(pool);
        if (MountTable.IsMounted(target))
        {
            await ToolRunner.RunCheckedAsync("umount", [target], $"unmount {target}", ct).ConfigureAwait(false);
        }
    }

    public override Task DeleteAsync(StoragePoolDefinition pool, CancellationToken ct) =>
        MountTable.IsMounted(Target(pool))
            ? throw new VirtException(VirtErrorReason.OperationInvalid, $"Cannot delete pool '{pool.Name}': {Target(pool)} is still mounted.", new Dictionary<string, string> { ["pool"] = pool.Name })
            : base.DeleteAsync(pool, ct);
}
