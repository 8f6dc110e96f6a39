using Virt.Domain.Storage;

namespace Virt.Driver.Test;

/// <summary>
/// The test driver's pools are its fixture's, read-only: every mutating pool or volume operation is
/// <see cref="VirtErrorReason.OperationUnsupported"/>, and the fixture's pools hold no volumes. Real pools are
/// Virt.Driver.Storage's. A refresh raises the refresh event, as libvirt's test driver does.
/// </summary>
public sealed partial class TestDriver
{
    public Task<StoragePoolSummary> DefinePoolAsync(string xml, CancellationToken cancellationToken) => throw Unsupported("defining storage pools");

    public Task<StoragePoolSummary> CreatePoolAsync(string xml, PoolBuildMode? build, CancellationToken cancellationToken) => throw Unsupported("creating storage pools");

    public Task BuildPoolAsync(string pool, PoolBuildMode mode, CancellationToken cancellationToken) => throw Unsupported("building storage pools");

    public Task<StoragePoolSummary> StartPoolAsync(string pool, PoolBuildMode? build, CancellationToken cancellationToken) => throw Unsupported("starting storage pools");

    public Task DestroyPoolAsync(string pool, CancellationToken cancellationToken) => throw Unsupported("destroying storage pools");

    public Task DeletePoolAsync(string pool, CancellationToken cancellationToken) => throw Unsupported("deleting storage pools");

    public Task UndefinePoolAsync(string pool, CancellationToken cancellationToken) => throw Unsupported("undefining storage pools");

    public Task SetPoolAutostartAsync(string pool, bool autostart, CancellationToken cancellationToken) => throw Unsupported("storage pool autostart");

    public async Task<StoragePoolSummary> RefreshPoolAsync(string pool, CancellationToken cancellationToken)
    {
        var refreshed = await LookupPoolAsync(pool, cancellationToken).ConfigureAwait(false);
        _events.Append(new PoolRefreshEvent(refreshed.Name, refreshed.Uuid));
        return refreshed;
    }

    public async Task<IReadOnlyList<StorageVolumeSummary>> ListVolumesAsync(string pool, CancellationToken cancellationToken)
    {
        await LookupPoolAsync(pool, cancellationToken).ConfigureAwait(false);
        return [];
    }

    public async Task<StorageVolumeSummary> LookupVolumeAsync(VolumeLocator volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Pool is not null)
        {
            await LookupPoolAsync(volume.Pool, cancellationToken).ConfigureAwait(false);
        }
        throw new VirtException(VirtErrorReason.StorageVolumeNotFound, $"Storage volume not found: no storage vol with matching {volume.Describe()}",
            new Dictionary<string, string> { ["volume"] = volume.ToString() });
    }

    public Task<StorageVolumeSummary> CreateVolumeAsync(string pool, StorageVolumeDefinition volume, VolumeCreateOptions options, CancellationToken cancellationToken) =>
        throw Unsupported("creating storage volumes");

    public Task DeleteVolumeAsync(VolumeLocator volume, CancellationToken cancellationToken) => throw Unsupported("deleting storage volumes");

    public Task<StorageVolumeSummary> WipeVolumeAsync(VolumeLocator volume, VolumeWipeAlgorithm algorithm, Action<double>? progress, CancellationToken cancellationToken) =>
        throw Unsupported("wiping storage volumes");

    public Task<StorageVolumeSummary> ResizeVolumeAsync(VolumeLocator volume, ulong capacityBytes, bool allocate, bool shrink, CancellationToken cancellationToken) =>
        throw Unsupported("resizing storage volumes");

    public Task<VolumeDataStream> OpenVolumeDataAsync(VolumeLocator volume, bool write, ulong offset, CancellationToken cancellationToken) =>
        throw Unsupported(write ? "uploading storage volumes" : "downloading storage volumes");

    private static VirtException Unsupported(string operation) => VirtException.Unsupported("test", operation);
}
