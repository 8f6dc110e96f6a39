namespace Virt.Domain;

/// <summary>Guest device behind a serial port.</summary>
public enum SerialTargetType
{
    /// <summary>XML value <c>isa-serial</c>.</summary>
    IsaSerial,

    /// <summary>XML value <c>usb-serial</c>.</summary>
    UsbSerial,

    /// <summary>XML value <c>pci-serial</c>.</summary>
    PciSerial,

    /// <summary>XML value <c>system</c>.</summary>
    System,
}
