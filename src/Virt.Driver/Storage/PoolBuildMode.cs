namespace Virt.Driver;

/// <summary>How pool-build treats existing data (libvirt's VIR_STORAGE_POOL_BUILD_OVERWRITE / _NO_OVERWRITE).</summary>
public enum PoolBuildMode
{
    /// <summary>The backend's default: refuse to format a device that already holds a filesystem or volume group.</summary>
    Default,

    /// <summary>--overwrite: format even if there is data.</summary>
    Overwrite,

    /// <summary>--no-overwrite: fail if the target already holds data.</summary>
    NoOverwrite,
}
