namespace Virt.Domain;

/// <summary>Emulated video card model.</summary>
public enum VideoModel
{
    /// <summary>XML value <c>vga</c>.</summary>
    Vga,

    /// <summary>XML value <c>cirrus</c>.</summary>
    Cirrus,

    /// <summary>XML value <c>vmvga</c>.</summary>
    Vmvga,

    /// <summary>XML value <c>qxl</c>.</summary>
    Qxl,

    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,

    /// <summary>XML value <c>bochs</c>.</summary>
    Bochs,

    /// <summary>XML value <c>ramfb</c>.</summary>
    Ramfb,

    /// <summary>XML value <c>none</c>.</summary>
    None,
}
