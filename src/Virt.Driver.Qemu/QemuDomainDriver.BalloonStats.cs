using System.Text.Json.Nodes;
using Virt.Domain;
using Virt.Qemu.CommandLine.Devices;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// The guest's own memory statistics through the balloon device, as libvirt's QEMU driver: the polling period is the
/// device's QOM property guest-stats-polling-interval (set at start from &lt;stats period/&gt;, and by dommemstat
/// --period), and the statistics are its guest-stats property, which the guest's virtio_balloon driver fills in.
/// </summary>
public sealed partial class QemuDomainDriver
{
    private const string NoBalloonForPeriod = "No memory balloon device configured, can not set the collection period";

    public Task<DomainSummary> SetMemoryStatsPeriodAsync(DomainRef domain, uint periodSeconds, DomainModification modification, CancellationToken cancellationToken) =>
        ChangeAsync(domain, "set the memory statistics period of", async current =>
        {
            var (live, config) = modification.Targets(current, "set the memory statistics period of");
            if ((live && !current.Definition.Devices.HasMemBalloon) || (config && !Persistent(current).Devices.HasMemBalloon))
            {
                throw VirtException.OperationInvalid(current.Name, "set the memory statistics period of", current.State, NoBalloonForPeriod);
            }
            if (live)
            {
                await SetStatsPollingIntervalAsync(current, periodSeconds, cancellationToken).ConfigureAwait(false);
            }
            // libvirt formats no <stats> for a period of 0.
            return await ApplyAsync(current, live, config, d => d with
            {
                Devices = d.Devices with { MemBalloon = d.Devices.MemBalloon! with { StatsPeriod = periodSeconds == 0 ? null : periodSeconds } },
            }).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<DomainBalloon> GetMemoryStatsAsync(DomainRef domain, CancellationToken cancellationToken)
    {
        var stats = await ActiveStatsAsync(domain, DomainStatsGroups.Balloon, "get the memory statistics of", cancellationToken).ConfigureAwait(false);
        return stats.Balloon!;
    }

    /// <summary>The balloon device's QOM path: every -device with an id is a child of /machine/peripheral.</summary>
    private static string BalloonPath(DomainDefinition definition) =>
        "/machine/peripheral/" + DeviceAliases.Indexed("balloon", 0, definition.Devices.MemBalloon!.Alias);

    private async Task SetStatsPollingIntervalAsync(DomainSummary current, uint periodSeconds, CancellationToken cancellationToken) =>
        await ExecuteQmpAsync(current.Uuid, "qom-set", new JsonObject
        {
            ["path"] = BalloonPath(current.Definition),
            ["property"] = "guest-stats-polling-interval",
            ["value"] = periodSeconds,
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// <paramref name="balloon"/> with what the guest last reported, as qemuMonitorJSONGetMemoryStats reads it: sizes
    /// in KiB, QEMU's -1 (a statistic this guest does not report) left out. Only while the guest polls (a period in the
    /// live definition, which start and dommemstat --period keep): without one QEMU refuses the read, and dominfo and
    /// domstats need not pay for the round trip. Before the guest's first report QEMU refuses it too.
    /// </summary>
    private async Task<DomainBalloon> WithGuestMemoryStatsAsync(DomainSummary current, DomainBalloon balloon, CancellationToken cancellationToken)
    {
        if (!current.Definition.Devices.HasMemBalloon || current.Definition.Devices.MemBalloon!.StatsPeriod is not > 0)
        {
            return balloon;
        }
        var (_, reply) = await QmpReplyAsync(current.Uuid, "qom-get", new JsonObject
        {
            ["path"] = BalloonPath(current.Definition),
            ["property"] = "guest-stats",
        }, cancellationToken).ConfigureAwait(false);
        if (reply.ResultCase != QmpReply.ResultOneofCase.ReturnJson || JsonNode.Parse(reply.ReturnJson) is not JsonObject answer
            || answer["stats"] is not JsonObject stats)
        {
            return balloon;
        }
        ulong? Stat(string name, ulong divisor) =>
            stats[name] is JsonValue value && value.TryGetValue<ulong>(out var number) && number != ulong.MaxValue ? number / divisor : null;
        var lastUpdate = answer["last-update"] is JsonValue update && update.TryGetValue<long>(out var seconds) && seconds > 0 ? seconds : (long?)null;
        return balloon with
        {
            SwapInKiB = Stat("stat-swap-in", 1024),
            SwapOutKiB = Stat("stat-swap-out", 1024),
            MajorFaults = Stat("stat-major-faults", 1),
            MinorFaults = Stat("stat-minor-faults", 1),
            UnusedKiB = Stat("stat-free-memory", 1024),
            AvailableKiB = Stat("stat-total-memory", 1024),
            UsableKiB = Stat("stat-available-memory", 1024),
            DiskCachesKiB = Stat("stat-disk-caches", 1024),
            HugetlbAllocations = Stat("stat-htlb-pgalloc", 1),
            HugetlbFailures = Stat("stat-htlb-pgfail", 1),
            LastUpdateEpochSeconds = lastUpdate,
        };
    }
}
