using Virt.Domain.Storage;
using Virt.Driver.Storage.Tools;

namespace Virt.Driver.Storage.Backends;

/// <summary>
/// <c>iscsi</c> pools: the LUNs of one iSCSI target, logged in with open-iscsi's iscsiadm. Defined and validated
/// everywhere; starting needs iscsiadm and the kernel's iSCSI initiator (iscsi_tcp), and where either is missing
/// start fails with <see cref="VirtErrorReason.OperationUnsupported"/> saying which. LUNs cannot be created or
/// deleted from the initiator side.
/// </summary>
internal sealed class IscsiBackend : PoolBackend
{
    public override StoragePoolType Type => StoragePoolType.Iscsi;

    public override StoragePoolDefinition Normalize(StoragePoolDefinition pool)
    {
        if (pool.Source.Hosts.Count != 1)
        {
            throw Invalid("An iscsi pool needs exactly one <source><host name='…'/>: the portal.", "source/host");
        }
        if (pool.Source.Devices.Count != 1 || !pool.Source.Devices[0].StartsWith("iqn.", StringComparison.Ordinal))
        {
            throw Invalid("An iscsi pool needs exactly one <source><device path='iqn.…'/>: the target's IQN.", "source/device");
        }
        return pool with { Target = new StorageTarget(pool.Target?.Path ?? "/dev/disk/by-path", pool.Target?.Permissions) };
    }

    public override Task BuildAsync(StoragePoolDefinition pool, PoolBuildMode mode, CancellationToken ct) => Task.CompletedTask;

    public override async Task StartAsync(StoragePoolDefinition pool, CancellationToken ct)
    {
        var missing = new List<string>();
        if (ToolRunner.Find("iscsiadm") is null)
        {
            missing.Add("iscsiadm (open-iscsi) is not installed");
        }
        if (!Directory.Exists("/sys/module/iscsi_tcp") && !Directory.Exists("/sys/class/iscsi_transport/tcp"))
        {
            missing.Add("the kernel has no iSCSI initiator (module iscsi_tcp is not loaded)");
        }
        if (missing.Count > 0)
        {
            throw NotSupportedHere(Type, string.Join("; ", missing));
        }
        await ToolRunner.RunCheckedAsync("iscsiadm", ["-m", "discovery", "-t", "sendtargets", "-p", Portal(pool)], $"discover the targets of {Portal(pool)}", ct).ConfigureAwait(false);
        await ToolRunner.RunCheckedAsync("iscsiadm", ["-m", "node", "-T", pool.Source.Devices[0], "-p", Portal(pool), "--login"], $"log in to {pool.Source.Devices[0]}", ct).ConfigureAwait(false);
    }

    public override Task StopAsync(StoragePoolDefinition pool, CancellationToken ct) =>
        ToolRunner.RunCheckedAsync("iscsiadm", ["-m", "node", "-T", pool.Source.Devices[0], "-p", Portal(pool), "--logout"], $"log out of {pool.Source.Devices[0]}", ct);

    public override Task DeleteAsync(StoragePoolDefinition pool, CancellationToken ct) => throw Unsupported("deleting an iscsi pool's storage");

    public override Task<PoolSizes> SizesAsync(StoragePoolDefinition pool, CancellationToken ct) => Task.FromResult(PoolSizes.Zero);

    public override string VolumePath(StoragePoolDefinition pool, string name) => Path.Combine(pool.Target!.Path!, name);

    public override Task<IReadOnlyList<StorageVolumeDefinition>> ScanAsync(StoragePoolDefinition pool, IReadOnlyDictionary<string, StorageVolumeDefinition> known, CancellationToken ct)
    {
        var prefix = $"ip-{Portal(pool)}-iscsi-{pool.Source.Devices[0]}-lun-";
        IReadOnlyList<StorageVolumeDefinition> luns = Directory.Exists(pool.Target!.Path!)
            ? [.. Directory.EnumerateFileSystemEntries(pool.Target.Path!).Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => Lun(pool, n))]
            : [];
        return Task.FromResult(luns);
    }

    public override Task<StorageVolumeDefinition> InspectAsync(StoragePoolDefinition pool, string name, StorageVolumeDefinition? known, CancellationToken ct) => Task.FromResult(Lun(pool, name));

    public override Task<StorageVolumeDefinition> CreateVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeCreateOptions options, StorageVolumeDefinition? source, CancellationToken ct) =>
        throw Unsupported("creating volumes in an iscsi pool (LUNs are made on the target)");

    public override Task DeleteVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, CancellationToken ct) => throw Unsupported("deleting iscsi LUNs");

    public override Task ResizeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, ulong capacity, bool allocate, bool shrink, CancellationToken ct) => throw Unsupported("resizing iscsi LUNs");

    public override Task WipeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeWipeAlgorithm algorithm, Action<double>? progress, CancellationToken ct) =>
        DirBackend.WipeBytesAsync(VolumePath(pool, volume.Name), null, algorithm, blockDevice: true, progress, ct);

    private StorageVolumeDefinition Lun(StoragePoolDefinition pool, string name)
    {
        var path = VolumePath(pool, name);
        ulong size = 0;
        try
        {
            using var device = File.OpenHandle(path);
            size = NativeMethods.BlockDeviceSize(device);
        }
        catch (IOException)
        {
        }
        return new StorageVolumeDefinition
        {
            Type = StorageVolumeType.Block,
            Name = name,
            Key = path,
            CapacityBytes = size,
            AllocationBytes = size,
            Target = new VolumeTarget { Path = path, Format = Virt.Domain.ImageFormat.Raw },
        };
    }

    private static string Portal(StoragePoolDefinition pool) => $"{pool.Source.Hosts[0].Name}:{pool.Source.Hosts[0].Port ?? 3260}";

    private static VirtException Unsupported(string what) => VirtException.Unsupported("storage", what);
}
