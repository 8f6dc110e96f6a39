namespace Virt.Domain;

/// <summary>On-disk image format, shared by disks and storage volumes.</summary>
public enum ImageFormat
{
    /// <summary>XML value <c>raw</c>.</summary>
    Raw,

    /// <summary>XML value <c>dir</c>.</summary>
    Dir,

    /// <summary>XML value <c>bochs</c>.</summary>
    Bochs,

    /// <summary>XML value <c>cloop</c>.</summary>
    Cloop,

    /// <summary>XML value <c>dmg</c>.</summary>
    Dmg,

    /// <summary>XML value <c>iso</c>.</summary>
    Iso,

    /// <summary>XML value <c>vpc</c>.</summary>
    Vpc,

    /// <summary>XML value <c>vdi</c>.</summary>
    Vdi,

    /// <summary>XML value <c>fat</c>.</summary>
    Fat,

    /// <summary>XML value <c>vhd</c>.</summary>
    Vhd,

    /// <summary>XML value <c>ploop</c>.</summary>
    Ploop,

    /// <summary>XML value <c>cow</c>.</summary>
    Cow,

    /// <summary>XML value <c>qcow</c>.</summary>
    Qcow,

    /// <summary>XML value <c>qcow2</c>.</summary>
    Qcow2,

    /// <summary>XML value <c>qed</c>.</summary>
    Qed,

    /// <summary>XML value <c>vmdk</c>.</summary>
    Vmdk,

    /// <summary>XML value <c>luks</c>.</summary>
    Luks,

    /// <summary>XML value <c>vhdx</c>.</summary>
    Vhdx,
}
