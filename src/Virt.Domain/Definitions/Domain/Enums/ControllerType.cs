namespace Virt.Domain;

/// <summary>Kind of device controller.</summary>
public enum ControllerType
{
    /// <summary>XML value <c>ide</c>.</summary>
    Ide,

    /// <summary>XML value <c>fdc</c>.</summary>
    Fdc,

    /// <summary>XML value <c>scsi</c>.</summary>
    Scsi,

    /// <summary>XML value <c>sata</c>.</summary>
    Sata,

    /// <summary>XML value <c>virtio-serial</c>.</summary>
    VirtioSerial,

    /// <summary>XML value <c>usb</c>.</summary>
    Usb,

    /// <summary>XML value <c>pci</c>.</summary>
    Pci,

    /// <summary>XML value <c>ccid</c>.</summary>
    Ccid,
}
