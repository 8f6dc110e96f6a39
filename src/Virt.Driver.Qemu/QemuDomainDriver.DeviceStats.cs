namespace Virt.Driver.Qemu;

/// <summary>
/// domblkstat and domifstat (<see cref="IDomainDeviceStats"/>) from the statistics of <see cref="GetStatsAsync"/>: a disk
/// by target or source path (none: every disk's sum, as libvirt's QEMU driver), an interface by host device or MAC.
/// </summary>
public sealed partial class QemuDomainDriver
{
    public async Task<DiskCounters> GetBlockStatsAsync(DomainRef domain, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        var stats = await ActiveStatsAsync(domain, DomainStatsGroups.Block, "get the block statistics of", cancellationToken).ConfigureAwait(false);
        var disks = stats.Disks ?? [];
        if (device.Length == 0)
        {
            var counted = disks.Select(d => d.Counters).OfType<DiskCounters>().ToList();
            ulong Sum(Func<DiskCounters, ulong?> field) => counted.Aggregate(0UL, (sum, c) => sum + (field(c) ?? 0));
            return new DiskCounters
            {
                ReadRequests = Sum(c => c.ReadRequests),
                ReadBytes = Sum(c => c.ReadBytes),
                ReadTimeNs = Sum(c => c.ReadTimeNs),
                WriteRequests = Sum(c => c.WriteRequests),
                WriteBytes = Sum(c => c.WriteBytes),
                WriteTimeNs = Sum(c => c.WriteTimeNs),
                FlushRequests = Sum(c => c.FlushRequests),
                FlushTimeNs = Sum(c => c.FlushTimeNs),
            };
        }
        var found = disks.FirstOrDefault(d => d.Name == device || (d.Path.Length > 0 && d.Path == device))
            ?? throw new VirtException(VirtErrorReason.DeviceNotFound, $"invalid argument: invalid path: {device}",
                new Dictionary<string, string> { ["domain"] = stats.Domain.Name, ["device"] = device });
        return found.Counters ?? new DiskCounters();
    }

    public async Task<NicStats> GetInterfaceStatsAsync(DomainRef domain, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        var stats = await ActiveStatsAsync(domain, DomainStatsGroups.Interface, "get the interface statistics of", cancellationToken).ConfigureAwait(false);
        return (stats.Interfaces ?? []).FirstOrDefault(n => n.Name == device || string.Equals(n.Mac, device, StringComparison.OrdinalIgnoreCase))
            ?? throw new VirtException(VirtErrorReason.DeviceNotFound,
                $"invalid argument: '{device}' is not a known interface (only interfaces with a host device, <target dev='...'/>, have counters)",
                new Dictionary<string, string> { ["domain"] = stats.Domain.Name, ["interface"] = device });
    }

    private async Task<DomainRuntimeStats> ActiveStatsAsync(DomainRef domain, DomainStatsGroups groups, string operation, CancellationToken cancellationToken)
    {
        var stats = await GetStatsAsync(domain, groups, cancellationToken).ConfigureAwait(false);
        return stats.Domain.IsActive ? stats : throw VirtException.OperationInvalid(stats.Domain.Name, operation, stats.Domain.State, "domain is not running");
    }
}
