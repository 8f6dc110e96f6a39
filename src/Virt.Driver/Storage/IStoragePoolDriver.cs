namespace Virt.Driver;

/// <summary>
/// What a storage driver does with pools. The read side is here now; the rest comes with the storage issue and follows
/// the same rules as <see cref="IDomainDriver"/>.
/// </summary>
public interface IStoragePoolDriver
{
    /// <summary>Pools, active and inactive, sorted by name as virsh prints them.</summary>
    Task<IReadOnlyList<StoragePoolSummary>> ListPoolsAsync(CancellationToken cancellationToken);

    /// <summary>By name or UUID (as text); unknown is <see cref="VirtErrorReason.StoragePoolNotFound"/>.</summary>
    Task<StoragePoolSummary> LookupPoolAsync(string nameOrUuid, CancellationToken cancellationToken);
}
