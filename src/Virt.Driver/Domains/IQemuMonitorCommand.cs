namespace Virt.Driver;

/// <summary>
/// virsh qemu-monitor-command (libvirt-qemu's virDomainQemuMonitorCommand): a command passed to a running QEMU's
/// monitor as the operator wrote it. Only the QEMU driver has it; the API answers OPERATION_UNSUPPORTED for another.
/// </summary>
public interface IQemuMonitorCommand
{
    /// <summary>
    /// Runs <paramref name="command"/>, a QMP command object, and returns QEMU's reply object as JSON, an error reply
    /// included; with <paramref name="hmp"/> a human monitor command line, and returns its text. The domain is marked
    /// tainted. An inactive domain is <see cref="VirtErrorReason.OperationInvalid"/>; a command that is not a QMP
    /// command object is <see cref="VirtErrorReason.InvalidArgument"/>.
    /// </summary>
    Task<string> QemuMonitorCommandAsync(DomainRef domain, string command, bool hmp, CancellationToken cancellationToken);
}
