using System.Collections.Concurrent;
using System.Threading.Channels;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// qemu-monitor-event: each guest's QMP events, as its worker recorded them (with QEMU's timestamp,
/// <c>WorkerEvent.qmp_time_us</c>), handed to the open watches as the event pump reads them. The events the worker acts
/// on without recording are not seen: the SHUTDOWN that answers a destroy's SIGTERM, a STOP while not running, the
/// RESUME of the start's own <c>cont</c>. Workers from before the timestamp was added send none.
/// </summary>
public sealed partial class QemuDomainDriver : IQemuMonitorEvents
{
    /// <summary>Events a watch may have waiting before it loses the oldest.</summary>
    private const int MonitorWatchBacklog = 4096;

    private readonly ConcurrentDictionary<Channel<QemuMonitorEventRecord>, Guid?> _monitorWatches = new();

    public QemuMonitorWatch WatchQemuMonitorEvents(Guid? domain)
    {
        var channel = Channel.CreateBounded<QemuMonitorEventRecord>(new BoundedChannelOptions(MonitorWatchBacklog)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _monitorWatches[channel] = domain;
        return new QemuMonitorWatch(channel.Reader, () =>
        {
            _monitorWatches.TryRemove(channel, out _);
            channel.Writer.TryComplete();
        });
    }

    /// <summary>Hands a QMP event the pump read to the watches of its guest.</summary>
    private void PublishMonitorEvent(RunningGuest guest, WorkerEvent recorded)
    {
        if (recorded.QmpTimeUs == 0 || _monitorWatches.IsEmpty)
        {
            return;
        }
        var domain = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(guest.Uuid);
        var monitorEvent = new QemuMonitorEventRecord(guest.Uuid, domain?.Name ?? guest.Uuid.ToString("D"), domain?.Id ?? -1, recorded.Name,
            DateTimeOffset.UnixEpoch.AddTicks(recorded.QmpTimeUs * TimeSpan.TicksPerMicrosecond),
            recorded.DataJson is "" or "{}" ? null : recorded.DataJson);
        foreach (var (channel, watched) in _monitorWatches)
        {
            if (watched is null || watched == guest.Uuid)
            {
                channel.Writer.TryWrite(monitorEvent);
            }
        }
    }
}
