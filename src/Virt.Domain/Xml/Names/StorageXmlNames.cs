using Virt.Domain.Storage;

namespace Virt.Domain.Xml;

/// <summary>The string tables that map libvirt XML values to enum values; kept out of the records so the records stay format-agnostic.</summary>
public static partial class StorageXmlNames
{
    /// <summary>Names of <see cref="StoragePoolType"/> values.</summary>
    public static readonly EnumMap<StoragePoolType> StoragePoolType = new(("dir", global::Virt.Domain.Storage.StoragePoolType.Dir), ("fs", global::Virt.Domain.Storage.StoragePoolType.Fs), ("netfs", global::Virt.Domain.Storage.StoragePoolType.Netfs), ("logical", global::Virt.Domain.Storage.StoragePoolType.Logical), ("disk", global::Virt.Domain.Storage.StoragePoolType.Disk), ("iscsi", global::Virt.Domain.Storage.StoragePoolType.Iscsi));

    /// <summary>Names of <see cref="StorageVolumeType"/> values.</summary>
    public static readonly EnumMap<StorageVolumeType> StorageVolumeType = new(("file", global::Virt.Domain.Storage.StorageVolumeType.File), ("block", global::Virt.Domain.Storage.StorageVolumeType.Block), ("dir", global::Virt.Domain.Storage.StorageVolumeType.Dir), ("network", global::Virt.Domain.Storage.StorageVolumeType.Network), ("ploop", global::Virt.Domain.Storage.StorageVolumeType.Ploop));
}
