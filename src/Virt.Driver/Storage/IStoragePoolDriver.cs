namespace Virt.Driver;

/// <summary>
/// What a storage driver does with pools and their volumes. Reads return the last committed state; a change either
/// happens completely or not at all (a failed create leaves nothing behind). Pools are named by name or UUID (as text);
/// an unknown pool is <see cref="VirtErrorReason.StoragePoolNotFound"/>, an unknown volume
/// <see cref="VirtErrorReason.StorageVolumeNotFound"/>. A driver that cannot do an operation says so with
/// <see cref="VirtErrorReason.OperationUnsupported"/>; nothing silently succeeds.
/// </summary>
public interface IStoragePoolDriver
{
    /// <summary>Pools, active and inactive, sorted by name as virsh prints them.</summary>
    Task<IReadOnlyList<StoragePoolSummary>> ListPoolsAsync(CancellationToken cancellationToken);

    /// <summary>By name or UUID (as text); unknown is <see cref="VirtErrorReason.StoragePoolNotFound"/>.</summary>
    Task<StoragePoolSummary> LookupPoolAsync(string nameOrUuid, CancellationToken cancellationToken);

    /// <summary>pool-define: a new persistent pool (inactive), or a new definition for an inactive one of the same name and UUID.</summary>
    Task<StoragePoolSummary> DefinePoolAsync(string xml, CancellationToken cancellationToken);

    /// <summary>pool-create: a transient pool, optionally built, then started.</summary>
    Task<StoragePoolSummary> CreatePoolAsync(string xml, PoolBuildMode? build, CancellationToken cancellationToken);

    /// <summary>pool-build: prepares the underlying storage of an inactive pool.</summary>
    Task BuildPoolAsync(string pool, PoolBuildMode mode, CancellationToken cancellationToken);

    /// <summary>pool-start: activates an inactive pool (building it first when <paramref name="build"/> is set) and scans its volumes.</summary>
    Task<StoragePoolSummary> StartPoolAsync(string pool, PoolBuildMode? build, CancellationToken cancellationToken);

    /// <summary>pool-destroy: deactivates a pool; its data stays. A transient pool disappears.</summary>
    Task DestroyPoolAsync(string pool, CancellationToken cancellationToken);

    /// <summary>pool-delete: removes the underlying storage of an inactive pool.</summary>
    Task DeletePoolAsync(string pool, CancellationToken cancellationToken);

    /// <summary>pool-undefine: forgets an inactive persistent pool (an active one becomes transient).</summary>
    Task UndefinePoolAsync(string pool, CancellationToken cancellationToken);

    /// <summary>pool-autostart [--disable]; persistent pools only.</summary>
    Task SetPoolAutostartAsync(string pool, bool autostart, CancellationToken cancellationToken);

    /// <summary>pool-refresh: rescans an active pool's volumes and sizes (files added outside Virt appear).</summary>
    Task<StoragePoolSummary> RefreshPoolAsync(string pool, CancellationToken cancellationToken);

    /// <summary>vol-list: the volumes of an active pool, sorted by name.</summary>
    Task<IReadOnlyList<StorageVolumeSummary>> ListVolumesAsync(string pool, CancellationToken cancellationToken);

    /// <summary>One volume by pool and name, key or path.</summary>
    Task<StorageVolumeSummary> LookupVolumeAsync(VolumeLocator volume, CancellationToken cancellationToken);

    /// <summary>vol-create / vol-create-as: a new volume from its definition; with <see cref="VolumeCreateOptions.Source"/>, vol-create-from (its contents copied, converted to the new format).</summary>
    Task<StorageVolumeSummary> CreateVolumeAsync(string pool, Virt.Domain.Storage.StorageVolumeDefinition volume, VolumeCreateOptions options, CancellationToken cancellationToken);

    /// <summary>vol-delete. <see cref="VirtErrorReason.StorageVolumeInUse"/> while a domain, a transfer or another volume (as backing store) uses it.</summary>
    Task DeleteVolumeAsync(VolumeLocator volume, CancellationToken cancellationToken);

    /// <summary>vol-wipe: overwrites the contents; the volume keeps its name, format and capacity.</summary>
    Task<StorageVolumeSummary> WipeVolumeAsync(VolumeLocator volume, VolumeWipeAlgorithm algorithm, Action<double>? progress, CancellationToken cancellationToken);

    /// <summary>vol-resize to <paramref name="capacityBytes"/> (absolute); smaller only with <paramref name="shrink"/>.</summary>
    Task<StorageVolumeSummary> ResizeVolumeAsync(VolumeLocator volume, ulong capacityBytes, bool allocate, bool shrink, CancellationToken cancellationToken);

    /// <summary>
    /// vol-upload / vol-download: the volume's bytes as a stream positioned at <paramref name="offset"/>. The volume counts
    /// as in use until the returned object is disposed.
    /// </summary>
    Task<VolumeDataStream> OpenVolumeDataAsync(VolumeLocator volume, bool write, ulong offset, CancellationToken cancellationToken);
}
