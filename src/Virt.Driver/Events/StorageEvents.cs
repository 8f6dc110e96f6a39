namespace Virt.Driver;

/// <summary>libvirt's storage pool lifecycle event types (virStoragePoolEventLifecycleType), with its numbers.</summary>
public enum PoolEventType
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Stopped = 3,
    /// <summary>The pool's underlying storage was built (pool-build).</summary>
    Created = 4,
    /// <summary>The pool's underlying storage was deleted (pool-delete).</summary>
    Deleted = 5,
}

/// <summary>A pool lifecycle event (VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE), raised where libvirt's storage driver raises it.</summary>
public sealed record PoolLifecycleEvent(string Name, Guid Uuid, PoolEventType Type) : VirtEvent;

/// <summary>The pool's volumes were scanned again (VIR_STORAGE_POOL_EVENT_ID_REFRESH: pool-refresh).</summary>
public sealed record PoolRefreshEvent(string Name, Guid Uuid) : VirtEvent;

/// <summary>What happened to a volume (virt.v1.VolumeEventType, same numbers). libvirt has no volume events; these are Virt's.</summary>
public enum VolumeEventType
{
    Created = 1,
    Deleted = 2,
    Resized = 3,
    Wiped = 4,
    /// <summary>An upload replaced (part of) its contents.</summary>
    Uploaded = 5,
}

/// <summary>A volume was created, deleted, resized, wiped or written by an upload.</summary>
public sealed record VolumeLifecycleEvent(string PoolName, Guid PoolUuid, string Name, string Key, string Path, VolumeEventType Type) : VirtEvent
{
    /// <summary>The event for <paramref name="volume"/>.</summary>
    public static VolumeLifecycleEvent Of(StorageVolumeSummary volume, VolumeEventType type)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return new(volume.PoolName, volume.PoolUuid, volume.Name, volume.Key, volume.Path, type);
    }
}
