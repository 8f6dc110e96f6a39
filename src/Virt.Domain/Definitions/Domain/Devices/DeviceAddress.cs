namespace Virt.Domain;

/// <summary>
/// A guest device address (<c>&lt;address&gt;</c>). Which fields apply depends on <see cref="Type"/>:
/// pci uses Domain/Bus/Slot/Function/Multifunction; drive uses Controller/Bus/Target/Unit;
/// virtio-serial uses Controller/Bus/Port; usb uses Bus/UsbPort; ccid uses Controller/Slot; isa uses IoBase/Irq.
/// </summary>
public sealed record DeviceAddress
{
    /// <summary>Address kind.</summary>
    public AddressType Type { get; init; }

    /// <summary>PCI domain.</summary>
    public uint? Domain { get; init; }

    /// <summary>PCI, drive, virtio-serial or usb bus.</summary>
    public uint? Bus { get; init; }

    /// <summary>PCI or ccid slot.</summary>
    public uint? Slot { get; init; }

    /// <summary>PCI function.</summary>
    public uint? Function { get; init; }

    /// <summary>PCI multifunction.</summary>
    public bool? Multifunction { get; init; }

    /// <summary>Drive, virtio-serial or ccid controller index.</summary>
    public uint? Controller { get; init; }

    /// <summary>Drive target.</summary>
    public uint? Target { get; init; }

    /// <summary>Drive unit.</summary>
    public uint? Unit { get; init; }

    /// <summary>virtio-serial port.</summary>
    public uint? Port { get; init; }

    /// <summary>USB port path, e.g. <c>1.2</c>.</summary>
    public string? UsbPort { get; init; }

    /// <summary>ISA I/O base.</summary>
    public uint? IoBase { get; init; }

    /// <summary>ISA IRQ.</summary>
    public uint? Irq { get; init; }
}
