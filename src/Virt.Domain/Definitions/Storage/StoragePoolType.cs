namespace Virt.Domain.Storage;

/// <summary>Kind of storage pool backend.</summary>
public enum StoragePoolType
{
    /// <summary>XML value <c>dir</c>.</summary>
    Dir,

    /// <summary>XML value <c>fs</c>.</summary>
    Fs,

    /// <summary>XML value <c>netfs</c>.</summary>
    Netfs,

    /// <summary>XML value <c>logical</c>.</summary>
    Logical,

    /// <summary>XML value <c>disk</c>.</summary>
    Disk,

    /// <summary>XML value <c>iscsi</c>.</summary>
    Iscsi,
}
