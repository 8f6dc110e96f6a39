namespace Virt.Domain;

/// <summary>Kind of guest device address.</summary>
public enum AddressType
{
    /// <summary>XML value <c>pci</c>.</summary>
    Pci,

    /// <summary>XML value <c>drive</c>.</summary>
    Drive,

    /// <summary>XML value <c>virtio-serial</c>.</summary>
    VirtioSerial,

    /// <summary>XML value <c>usb</c>.</summary>
    Usb,

    /// <summary>XML value <c>ccid</c>.</summary>
    Ccid,

    /// <summary>XML value <c>isa</c>.</summary>
    Isa,
}
