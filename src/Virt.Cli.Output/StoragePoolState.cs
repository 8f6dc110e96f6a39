namespace Virt.Cli.Output;

/// <summary>libvirt's <c>virStoragePoolState</c>; the numeric values are libvirt's and must not change.</summary>
public enum StoragePoolState
{
    /// <summary>VIR_STORAGE_POOL_INACTIVE.</summary>
    Inactive = 0,

    /// <summary>VIR_STORAGE_POOL_BUILDING.</summary>
    Building = 1,

    /// <summary>VIR_STORAGE_POOL_RUNNING.</summary>
    Running = 2,

    /// <summary>VIR_STORAGE_POOL_DEGRADED.</summary>
    Degraded = 3,

    /// <summary>VIR_STORAGE_POOL_INACCESSIBLE.</summary>
    Inaccessible = 4,
}
