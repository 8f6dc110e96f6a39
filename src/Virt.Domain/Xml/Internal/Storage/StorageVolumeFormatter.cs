using System.Xml.Linq;
using Virt.Domain.Storage;

namespace Virt.Domain.Xml.Internal.Storage;

/// <summary>Writes a volume in libvirt's order (virStorageVolDefFormat).</summary>
internal static class StorageVolumeFormatter
{
    public static XElement Format(StorageVolumeDefinition v)
    {
        var root = new XElement("volume")
            .Attr("type", v.Type is null ? null : StorageXmlNames.StorageVolumeType.ToXml(v.Type.Value));
        root.Add(new XElement("name", v.Name));
        root.TextChild("key", v.Key);
        root.Add(StoragePoolFormatter.Bytes("capacity", v.CapacityBytes), StoragePoolFormatter.Bytes("allocation", v.AllocationBytes));
        if (v.PhysicalBytes is not null)
        {
            root.Add(StoragePoolFormatter.Bytes("physical", v.PhysicalBytes.Value));
        }
        var t = v.Target;
        var target = new XElement("target").TextChild("path", t.Path);
        if (t.Format is not null)
        {
            target.Add(new XElement("format").Attr("type", DomainXmlNames.ImageFormat.ToXml(t.Format.Value)));
        }
        target.Child(PermissionsXml.Format(t.Permissions)).TextChild("compat", t.Compat);
        if (t.ClusterSizeBytes is not null)
        {
            target.Add(new XElement("clusterSize", CommonParsers.Number(t.ClusterSizeBytes.Value)).Attr("unit", "B"));
        }
        if (t.LazyRefcounts)
        {
            target.Add(new XElement("features", new XElement("lazy_refcounts")));
        }
        root.Add(target);
        if (v.BackingStore is { } b)
        {
            var backing = new XElement("backingStore", new XElement("path", b.Path));
            if (b.Format is not null)
            {
                backing.Add(new XElement("format").Attr("type", DomainXmlNames.ImageFormat.ToXml(b.Format.Value)));
            }
            root.Add(backing.Child(PermissionsXml.Format(b.Permissions)));
        }
        return root;
    }
}
