using System.Text.RegularExpressions;
using Virt.Domain;

namespace Virt.Driver.Test;

/// <summary>
/// domblkstat and domifstat as libvirt's testDomainBlockStats and testDomainInterfaceStats: counters made up from the
/// clock (microseconds since the epoch, and seconds, divided by fixed numbers), for a disk by target or source path
/// and an interface by its name or MAC address; no sum over all disks.
/// </summary>
public sealed partial class TestDriver : IDomainDeviceStats
{
    public Task<DiskCounters> GetBlockStatsAsync(DomainRef domain, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(device);
        cancellationToken.ThrowIfCancellationRequested();
        if (device.Length == 0)
        {
            throw new VirtException(VirtErrorReason.OperationUnsupported, "Operation not supported: summary statistics are not supported yet",
                new Dictionary<string, string> { ["domain"] = domain.ToString() });
        }
        var live = Running(domain, "get the block statistics of", out var name);
        if (!live.Devices.Disks.Any(d => d.Target.Dev == device || d.Source?.File == device || d.Source?.Dev == device))
        {
            throw new VirtException(VirtErrorReason.DeviceNotFound, $"invalid argument: invalid path: {device}",
                new Dictionary<string, string> { ["domain"] = name, ["device"] = device });
        }
        var (micros, seconds) = Clock();
        return Task.FromResult(new DiskCounters
        {
            ReadRequests = micros / 10,
            ReadBytes = micros / 20,
            WriteRequests = micros / 30,
            WriteBytes = micros / 40,
            Errors = seconds / 2,
        });
    }

    public Task<NicStats> GetInterfaceStatsAsync(DomainRef domain, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(device);
        cancellationToken.ThrowIfCancellationRequested();
        var live = Running(domain, "get the interface statistics of", out var name);
        // virDomainNetFind: a MAC address names the interface with that MAC, anything else its device.
        var nic = (MacAddress().IsMatch(device)
                ? live.Devices.Interfaces.FirstOrDefault(n => string.Equals(n.Mac, device, StringComparison.OrdinalIgnoreCase))
                : live.Devices.Interfaces.FirstOrDefault(n => n.TargetDev == device))
            ?? throw new VirtException(VirtErrorReason.DeviceNotFound, $"invalid argument: '{device}' is not a known interface",
                new Dictionary<string, string> { ["domain"] = name, ["interface"] = device });
        var (micros, seconds) = Clock();
        return Task.FromResult(new NicStats
        {
            Name = nic.TargetDev ?? device,
            Mac = nic.Mac ?? "",
            RxBytes = micros / 10,
            RxPackets = micros / 100,
            RxErrors = seconds,
            RxDrops = seconds / 2,
            TxBytes = micros / 20,
            TxPackets = micros / 110,
            TxErrors = seconds / 3,
            TxDrops = seconds / 4,
        });
    }

    private DomainDefinition Running(DomainRef domain, string operation, out string name)
    {
        var entry = Find(Volatile.Read(ref _domains), domain);
        name = entry.Name;
        return entry.Live ?? throw VirtException.OperationInvalid(entry.Name, operation, entry.State, "domain is not running");
    }

    /// <summary>g_get_real_time() and the whole seconds of it, as libvirt's test driver reads the clock.</summary>
    private static (ulong Micros, ulong Seconds) Clock()
    {
        var micros = (ulong)((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10);
        return (micros, micros / 1_000_000);
    }

    [GeneratedRegex("^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$")]
    private static partial Regex MacAddress();
}
