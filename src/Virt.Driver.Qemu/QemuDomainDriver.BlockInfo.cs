using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Qemu.CommandLine;
using Virt.Qemu.CommandLine.Devices;

namespace Virt.Driver.Qemu;

/// <summary>virsh domblkinfo: a disk's sizes from QEMU for a running guest, from the image otherwise (<see cref="DiskSizes"/>).</summary>
public sealed partial class QemuDomainDriver
{
    public async Task<DomainBlockInfo> GetBlockInfoAsync(DomainRef domain, string device, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var disk = DiskLookup.WithSource(current.Name, current.Definition, device);
        if (!current.IsActive)
        {
            return await InactiveBlockInfoAsync(current.Name, disk, cancellationToken).ConfigureAwait(false);
        }
        var block = await ExecuteQmpAsync(current.Uuid, "query-block", null, cancellationToken).ConfigureAwait(false) as JsonArray ?? [];
        var stats = await ExecuteQmpAsync(current.Uuid, "query-blockstats", null, cancellationToken).ConfigureAwait(false) as JsonArray ?? [];
        var entry = EntryForDisk(block, disk);
        var (path, blockDevice) = ActiveSource(current.Uuid, disk, entry);
        return DiskSizes.Active(entry, EntryForDisk(stats, disk), blockDevice, () => DiskSizes.HostSize(path, blockDevice));
    }

    /// <summary>A disk's entry in a query-block or query-blockstats reply, by its qdev id (the alias, or a path through it).</summary>
    private static JsonNode? EntryForDisk(JsonArray reply, Disk disk)
    {
        var alias = DeviceAliases.ForDisk(disk);
        return reply.FirstOrDefault(e => e?["qdev"]?.GetValue<string>() is { } qdev
            && (qdev == alias || qdev.Contains("/peripheral/" + alias + "/", StringComparison.Ordinal)));
    }

    /// <summary>The host path a running guest's disk is on, and whether it is a block device.</summary>
    private (string Path, bool BlockDevice) ActiveSource(Guid uuid, Disk disk, JsonNode? blockEntry)
    {
        if (DiskLookup.SourcePath(disk) is { } path)
        {
            return (path, disk.Type == DiskType.Block);
        }
        if (disk.Source is { Pool: { } pool, Volume: { } volume } && _running.TryGetValue(uuid, out var guest)
            && guest.Volumes.Resolved.TryGetValue(new QemuVolumeKey(pool, volume), out var resolved))
        {
            return (resolved.Path, resolved.IsBlockDevice);
        }
        // A volume leased by an earlier virtd: QEMU knows the file it opened.
        return (blockEntry?["inserted"]?["file"]?.GetValue<string>() ?? "", false);
    }

    private async Task<DomainBlockInfo> InactiveBlockInfoAsync(string domain, Disk disk, CancellationToken cancellationToken)
    {
        if (DiskLookup.SourcePath(disk) is { } path)
        {
            return await DiskSizes.InactiveAsync(path, disk.Driver?.Format ?? ImageFormat.Raw, disk.Type == DiskType.Block, cancellationToken).ConfigureAwait(false);
        }
        var source = disk.Source!;
        var resolver = _options.Volumes ?? throw new VirtException(VirtErrorReason.OperationUnsupported,
            $"Disk '{disk.Target.Dev}' of domain '{domain}' is volume '{source.Volume}' of pool '{source.Pool}', and this driver has no storage driver to resolve it.",
            new Dictionary<string, string> { ["domain"] = domain, ["device"] = disk.Target.Dev });
        using var lease = await resolver.AcquireAsync(domain, source.Pool ?? "", source.Volume ?? "", cancellationToken).ConfigureAwait(false);
        return await DiskSizes.InactiveAsync(lease.Path, disk.Driver?.Format ?? lease.Format, lease.IsBlockDevice, cancellationToken).ConfigureAwait(false);
    }
}
