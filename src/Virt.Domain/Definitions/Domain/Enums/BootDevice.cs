namespace Virt.Domain;

/// <summary>A device class in the BIOS boot order.</summary>
public enum BootDevice
{
    /// <summary>XML value <c>fd</c>.</summary>
    Fd,

    /// <summary>XML value <c>hd</c>.</summary>
    Hd,

    /// <summary>XML value <c>cdrom</c>.</summary>
    Cdrom,

    /// <summary>XML value <c>network</c>.</summary>
    Network,
}
