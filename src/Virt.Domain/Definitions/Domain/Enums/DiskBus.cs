namespace Virt.Domain;

/// <summary>Bus a disk is attached to.</summary>
public enum DiskBus
{
    /// <summary>XML value <c>ide</c>.</summary>
    Ide,

    /// <summary>XML value <c>fdc</c>.</summary>
    Fdc,

    /// <summary>XML value <c>scsi</c>.</summary>
    Scsi,

    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,

    /// <summary>XML value <c>usb</c>.</summary>
    Usb,

    /// <summary>XML value <c>sata</c>.</summary>
    Sata,

    /// <summary>XML value <c>sd</c>.</summary>
    Sd,
}
