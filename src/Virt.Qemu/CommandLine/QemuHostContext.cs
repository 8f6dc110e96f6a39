namespace Virt.Qemu.CommandLine;

/// <summary>
/// Everything host-specific that the argv builder needs, resolved by the caller beforehand (libvirt's
/// PrepareHost step), so that <see cref="QemuCommandLine.Build"/> does no I/O and golden tests can pin it.
/// </summary>
public sealed record QemuHostContext
{
    /// <summary>Whether /dev/kvm exists and this process may open it.</summary>
    public bool KvmUsable { get; init; }

    /// <summary>The QMP monitor's Unix socket path.</summary>
    public required string MonitorSocketPath { get; init; }

    /// <summary>The guest's run directory, for sockets and logs the definition does not place itself (guest agent channel).</summary>
    public required string GuestDirectory { get; init; }

    /// <summary><c>&lt;disk type='volume'&gt;</c> sources, resolved by the storage driver.</summary>
    public IReadOnlyDictionary<QemuVolumeKey, QemuResolvedVolume> Volumes { get; init; } = new Dictionary<QemuVolumeKey, QemuResolvedVolume>();

    /// <summary>
    /// Tap fds the caller opened for interfaces of type bridge, network, ethernet and direct, keyed by the interface's
    /// position in <c>&lt;devices&gt;</c> (0-based); the builder only references them. Without them a bridge or managed
    /// ethernet interface's tap is opened by its <c>&lt;target dev&gt;</c> (the QEMU driver's worker turns that into fds).
    /// </summary>
    public IReadOnlyDictionary<int, QemuTapFds> TapFds { get; init; } = new Dictionary<int, QemuTapFds>();

    /// <summary>
    /// TCP ports the driver allocated for <c>autoport='yes'</c> displays, keyed by the display's position among
    /// <c>&lt;graphics&gt;</c> (0-based). Without one, VNC lets QEMU search 5900–5999 itself (<c>to=99</c>);
    /// SPICE has no such search and is refused.
    /// </summary>
    public IReadOnlyDictionary<int, int> GraphicsPorts { get; init; } = new Dictionary<int, int>();
}
