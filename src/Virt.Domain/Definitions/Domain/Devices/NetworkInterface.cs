namespace Virt.Domain;

/// <summary>A guest NIC (<c>&lt;interface&gt;</c>).</summary>
public sealed record NetworkInterface
{
    /// <summary>Connection kind.</summary>
    public InterfaceType Type { get; init; }

    /// <summary>MAC address, lowercase; generated at parse time when absent.</summary>
    public required string Mac { get; init; }

    /// <summary>Host-side source.</summary>
    public InterfaceSource? Source { get; init; }

    /// <summary>Host tap device name.</summary>
    public string? TargetDev { get; init; }

    /// <summary>
    /// <c>&lt;target managed&gt;</c>: false for a tap that exists before the guest starts and outlives it (libvirt's
    /// unmanaged ethernet interface); null when not given.
    /// </summary>
    public bool? TargetManaged { get; init; }

    /// <summary>The tap of an unmanaged ethernet interface, which exists before the guest and is only used; null otherwise.</summary>
    public string? UnmanagedTap => Type == InterfaceType.Ethernet && TargetManaged == false ? TargetDev : null;

    /// <summary>
    /// Whether the driver creates this interface's tap when the guest starts, and the tap goes with the guest: a bridge
    /// interface (the tap joins the bridge) and an ethernet one unless <c>managed='no'</c>.
    /// </summary>
    public bool HasManagedTap => Type == InterfaceType.Bridge || (Type == InterfaceType.Ethernet && TargetManaged != false);

    /// <summary>Emulated model.</summary>
    public InterfaceModel? Model { get; init; }

    /// <summary>virtio backend.</summary>
    public InterfaceDriverName? DriverName { get; init; }

    /// <summary>virtio queues.</summary>
    public uint? DriverQueues { get; init; }

    /// <summary>Link state (<c>true</c> up).</summary>
    public bool? LinkUp { get; init; }

    /// <summary>MTU.</summary>
    public uint? Mtu { get; init; }

    /// <summary>Per-device boot order.</summary>
    public uint? BootOrder { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
