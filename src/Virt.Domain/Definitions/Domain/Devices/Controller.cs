namespace Virt.Domain;

/// <summary>A controller (<c>&lt;controller&gt;</c>).</summary>
public sealed record Controller
{
    /// <summary>Kind.</summary>
    public ControllerType Type { get; init; }

    /// <summary>Index among controllers of the same kind.</summary>
    public uint Index { get; init; }

    /// <summary>Model, validated per kind (e.g. <c>qemu-xhci</c>, <c>virtio-scsi</c>, <c>pcie-root-port</c>).</summary>
    public string? Model { get; init; }

    /// <summary>virtio-serial or USB ports.</summary>
    public uint? Ports { get; init; }

    /// <summary>virtio-serial MSI vectors.</summary>
    public uint? Vectors { get; init; }

    /// <summary>Driver queues.</summary>
    public uint? DriverQueues { get; init; }

    /// <summary>Emulated PCI controller model name (<c>&lt;model name&gt;</c>).</summary>
    public string? ModelName { get; init; }

    /// <summary>PCI controller target.</summary>
    public PciControllerTarget? Target { get; init; }

    /// <summary>USB companion start port (<c>&lt;master startport&gt;</c>).</summary>
    public uint? MasterStartPort { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
