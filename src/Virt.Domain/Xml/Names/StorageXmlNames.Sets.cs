using System.Collections.Frozen;
using Virt.Domain.Storage;

namespace Virt.Domain.Xml;

/// <summary>Pool source formats, which libvirt validates per pool type.</summary>
public static partial class StorageXmlNames
{
    /// <summary>Accepted <c>&lt;source&gt;&lt;format type&gt;</c> values per pool type.</summary>
    public static readonly FrozenDictionary<StoragePoolType, IReadOnlyList<string>> PoolFormats = new Dictionary<StoragePoolType, IReadOnlyList<string>>
    {
        [global::Virt.Domain.Storage.StoragePoolType.Dir] = [],
        [global::Virt.Domain.Storage.StoragePoolType.Fs] = ["auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs", "ocfs2", "vmfs"],
        [global::Virt.Domain.Storage.StoragePoolType.Netfs] = ["auto", "nfs", "glusterfs", "cifs"],
        [global::Virt.Domain.Storage.StoragePoolType.Logical] = ["auto", "lvm2"],
        [global::Virt.Domain.Storage.StoragePoolType.Disk] = ["unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"],
        [global::Virt.Domain.Storage.StoragePoolType.Iscsi] = [],
    }.ToFrozenDictionary();
}
