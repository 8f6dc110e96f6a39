using Virt.Domain.Storage;
using Virt.Driver;

namespace Virt.Daemon;

/// <summary>virt-clone's copy of a <c>&lt;disk type='volume'&gt;</c>: a new volume in the same pool with the same format, as vol-clone.</summary>
internal sealed class StorageVolumeCloner(IStoragePoolDriver storage) : IVolumeCloner
{
    public async Task CloneAsync(string pool, string volume, string newName, CancellationToken cancellationToken)
    {
        var source = await storage.LookupVolumeAsync(VolumeLocator.InPool(pool, volume), cancellationToken).ConfigureAwait(false);
        var definition = new StorageVolumeDefinition
        {
            Name = newName,
            CapacityBytes = source.Definition.CapacityBytes,
            Target = new VolumeTarget { Format = source.Definition.Target.Format },
        };
        await storage.CreateVolumeAsync(pool, definition, new VolumeCreateOptions { Source = VolumeLocator.InPool(pool, volume) }, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(string pool, string volume, CancellationToken cancellationToken) =>
        storage.DeleteVolumeAsync(VolumeLocator.InPool(pool, volume), cancellationToken);
}
