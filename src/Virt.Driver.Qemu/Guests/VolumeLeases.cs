using Virt.Domain;
using Virt.Qemu.CommandLine;

namespace Virt.Driver.Qemu;

/// <summary>
/// The storage volumes a guest's <c>&lt;disk type='volume'&gt;</c> disks name, resolved to host paths and leased from
/// the storage driver for as long as the guest runs (the storage driver then refuses to delete, wipe or resize them).
/// </summary>
internal sealed class VolumeLeases : IDisposable
{
    private readonly List<VolumeLease> _leases = [];

    private VolumeLeases()
    {
    }

    public static VolumeLeases None { get; } = new();

    /// <summary>What QemuHostContext.Volumes needs for the command line.</summary>
    public Dictionary<QemuVolumeKey, QemuResolvedVolume> Resolved { get; } = [];

    /// <summary>Resolves and leases every volume disk of <paramref name="definition"/>; on any failure none stays leased.</summary>
    public static async Task<VolumeLeases> AcquireAsync(IVolumeResolver? resolver, DomainDefinition definition, CancellationToken cancellationToken)
    {
        var leases = new VolumeLeases();
        try
        {
            for (var i = 0; i < definition.Devices.Disks.Count; i++)
            {
                var disk = definition.Devices.Disks[i];
                if (disk.Type != DiskType.Volume || disk.Source is not { Pool: { } pool, Volume: { } volume })
                {
                    continue;
                }
                var key = new QemuVolumeKey(pool, volume);
                if (leases.Resolved.ContainsKey(key))
                {
                    continue;
                }
                if (resolver is null)
                {
                    throw new VirtException(VirtErrorReason.OperationUnsupported,
                        $"Cannot start domain '{definition.Name}': disk {i + 1} is volume '{volume}' of pool '{pool}', and this driver has no storage driver to resolve it.",
                        new Dictionary<string, string> { ["domain"] = definition.Name, ["element"] = $"/domain/devices/disk[{i + 1}]/source" });
                }
                var lease = await resolver.AcquireAsync(definition.Name, pool, volume, cancellationToken).ConfigureAwait(false);
                leases._leases.Add(lease);
                leases.Resolved[key] = new QemuResolvedVolume(lease.Path, lease.Format, lease.IsBlockDevice);
            }
            return leases;
        }
        catch
        {
            leases.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var lease in _leases)
        {
            lease.Dispose();
        }
        _leases.Clear();
    }
}
