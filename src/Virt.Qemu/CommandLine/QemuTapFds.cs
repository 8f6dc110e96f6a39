namespace Virt.Qemu.CommandLine;

/// <summary>
/// File descriptors (numbers inherited by QEMU, or names passed earlier with QMP <c>getfd</c>) of the tap device
/// the driver opened for one interface, and of vhost-net when it is used. One tap fd per queue.
/// </summary>
/// <param name="Tap">Tap fds, one per queue.</param>
/// <param name="Vhost">vhost-net fds, one per queue, or empty for the userspace virtio backend.</param>
public sealed record QemuTapFds(IReadOnlyList<string> Tap, IReadOnlyList<string> Vhost);
