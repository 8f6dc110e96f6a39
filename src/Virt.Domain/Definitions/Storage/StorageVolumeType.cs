namespace Virt.Domain.Storage;

/// <summary>Kind of storage volume.</summary>
public enum StorageVolumeType
{
    /// <summary>XML value <c>file</c>.</summary>
    File,

    /// <summary>XML value <c>block</c>.</summary>
    Block,

    /// <summary>XML value <c>dir</c>.</summary>
    Dir,

    /// <summary>XML value <c>network</c>.</summary>
    Network,

    /// <summary>XML value <c>ploop</c>.</summary>
    Ploop,
}
