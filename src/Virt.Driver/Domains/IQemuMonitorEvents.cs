using System.Threading.Channels;

namespace Virt.Driver;

/// <summary>
/// virsh qemu-monitor-event (libvirt-qemu's virConnectDomainQemuMonitorEventRegister): the QMP events running guests'
/// QEMUs send, live. Only the QEMU driver has it; the API answers OPERATION_UNSUPPORTED for another.
/// </summary>
public interface IQemuMonitorEvents
{
    /// <summary>
    /// Watches the events of guest <paramref name="domain"/> (every guest's when null) from when this returns, each
    /// guest's in the order its QEMU sent them, until the watch is disposed. A watcher that falls far behind loses the
    /// oldest of its events rather than hold up the guests.
    /// </summary>
    QemuMonitorWatch WatchQemuMonitorEvents(Guid? domain);
}

/// <summary>One QMP event of a guest: its name, QEMU's timestamp, and its <c>data</c> member as JSON (null when it had none).</summary>
public sealed record QemuMonitorEventRecord(Guid Uuid, string DomainName, int DomainId, string Name, DateTimeOffset Timestamp, string? DetailsJson);

/// <summary>An open watch (<see cref="IQemuMonitorEvents.WatchQemuMonitorEvents"/>): read <see cref="Events"/>; dispose to end it.</summary>
public sealed class QemuMonitorWatch(ChannelReader<QemuMonitorEventRecord> events, Action end) : IDisposable
{
    public ChannelReader<QemuMonitorEventRecord> Events { get; } = events;

    public void Dispose() => end();
}
