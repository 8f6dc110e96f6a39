namespace Virt.Domain;

/// <summary>How a disk is presented to the guest.</summary>
public enum DiskDevice
{
    /// <summary>XML value <c>disk</c>.</summary>
    Disk,

    /// <summary>XML value <c>cdrom</c>.</summary>
    Cdrom,

    /// <summary>XML value <c>floppy</c>.</summary>
    Floppy,

    /// <summary>XML value <c>lun</c>.</summary>
    Lun,
}
