using Virt.Domain.Storage;

namespace Virt.Domain.Xml.Internal.Storage;

/// <summary>Reads a <c>&lt;volume&gt;</c> element tree strictly.</summary>
internal static class StorageVolumeParser
{
    public static StorageVolumeDefinition Parse(ElementReader root)
    {
        var type = root.Enum("type", StorageXmlNames.StorageVolumeType);
        var name = CommonParsers.Name(root);
        var key = root.ChildText("key");
        var capacityElement = root.Child("capacity") ?? throw root.Error(DefinitionErrorReason.MissingRequired, "A <volume> needs a <capacity>", null, allowed: "<capacity unit='bytes'>…</capacity>");
        var capacity = CommonParsers.ScaledBytes(capacityElement, "bytes");
        capacityElement.Done();
        var allocation = capacity;
        if (root.Child("allocation") is { } a)
        {
            allocation = CommonParsers.ScaledBytes(a, "bytes");
            a.Done();
        }
        ulong? physical = null;
        if (root.Child("physical") is { } p)
        {
            physical = CommonParsers.ScaledBytes(p, "bytes");
            p.Done();
        }
        var result = new StorageVolumeDefinition
        {
            Type = type,
            Name = name,
            Key = key,
            CapacityBytes = capacity,
            AllocationBytes = allocation,
            PhysicalBytes = physical,
            Target = root.Child("target") is { } t ? Target(t) : new VolumeTarget(),
            BackingStore = root.Child("backingStore") is { } b ? Backing(b) : null,
        };
        root.Done();
        return result;
    }

    private static VolumeTarget Target(ElementReader target)
    {
        ulong? cluster = null;
        if (target.Child("clusterSize") is { } c)
        {
            cluster = CommonParsers.ScaledBytes(c, "B");
            c.Done();
        }
        var compat = target.ChildText("compat");
        if (compat is not null && compat is not ("0.10" or "1.1"))
        {
            throw target.Error(DefinitionErrorReason.InvalidValue, $"'{compat}' is not a qcow2 compat level", compat, allowed: "0.10, 1.1");
        }
        var lazy = false;
        if (target.Child("features") is { } features)
        {
            lazy = features.Flag("lazy_refcounts");
            features.Done();
        }
        var result = new VolumeTarget
        {
            Path = target.ChildText("path"),
            Format = Format(target),
            Permissions = PermissionsXml.Parse(target),
            Compat = compat,
            ClusterSizeBytes = cluster,
            LazyRefcounts = lazy,
        };
        target.Done();
        return result;
    }

    private static VolumeBackingStore Backing(ElementReader backing)
    {
        var path = backing.ChildText("path") ?? throw backing.Error(DefinitionErrorReason.MissingRequired, "The <backingStore> needs a <path>", null);
        var result = new VolumeBackingStore(path, Format(backing), PermissionsXml.Parse(backing));
        backing.Done();
        return result;
    }

    private static ImageFormat? Format(ElementReader parent)
    {
        var format = parent.Child("format");
        if (format is null)
        {
            return null;
        }
        var value = format.RequiredEnum("type", DomainXmlNames.ImageFormat);
        format.Done();
        return value;
    }
}
