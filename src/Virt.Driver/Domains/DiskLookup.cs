using Virt.Domain;

namespace Virt.Driver;

/// <summary>A domain's disk by the name an operator gives it: libvirt's virDomainDiskByName, with libvirt's refusals.</summary>
public static class DiskLookup
{
    /// <summary>
    /// The disk whose target (<c>vda</c>) or source path is <paramref name="device"/>, with a source; either missing is
    /// <see cref="VirtErrorReason.InvalidArgument"/> in libvirt's words.
    /// </summary>
    public static Disk WithSource(string domain, DomainDefinition definition, string device)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var disk = definition.Devices.Disks.FirstOrDefault(d => d.Target.Dev == device)
            ?? definition.Devices.Disks.FirstOrDefault(d => SourcePath(d) is { } path && path == device)
            ?? throw Refuse(domain, device, $"invalid argument: invalid path {device} not assigned to domain");
        return disk.Source is null
            ? throw Refuse(domain, device, $"invalid argument: disk '{device}' does not currently have a source assigned")
            : disk;
    }

    /// <summary>The file or block device a disk names directly; null for a volume or an empty drive.</summary>
    public static string? SourcePath(Disk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        return disk.Source?.File ?? disk.Source?.Dev;
    }

    private static VirtException Refuse(string domain, string device, string message) =>
        new(VirtErrorReason.InvalidArgument, message, new Dictionary<string, string> { ["domain"] = domain, ["device"] = device });
}
