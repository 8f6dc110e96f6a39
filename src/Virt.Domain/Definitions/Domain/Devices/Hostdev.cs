namespace Virt.Domain;

/// <summary>An assigned host PCI device (<c>&lt;hostdev mode='subsystem' type='pci'&gt;</c>).</summary>
public sealed record Hostdev
{
    /// <summary>Whether libvirt detaches/reattaches the device from its host driver.</summary>
    public bool Managed { get; init; }

    /// <summary>Host driver, e.g. <c>vfio</c>.</summary>
    public string? DriverName { get; init; }

    /// <summary>Host PCI address.</summary>
    public required DeviceAddress Source { get; init; }

    /// <summary>Per-device boot order.</summary>
    public uint? BootOrder { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
