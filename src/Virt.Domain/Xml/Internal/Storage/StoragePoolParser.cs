using Virt.Domain.Storage;

namespace Virt.Domain.Xml.Internal.Storage;

/// <summary>Reads a <c>&lt;pool&gt;</c> element tree strictly.</summary>
internal static class StoragePoolParser
{
    public static StoragePoolDefinition Parse(ElementReader root, DefinitionParseOptions options)
    {
        var type = root.RequiredEnum("type", StorageXmlNames.StoragePoolType);
        var name = CommonParsers.Name(root);
        var uuid = CommonParsers.Uuid(root, options.NewUuid);
        ulong Size(string element)
        {
            var child = root.Child(element);
            if (child is null)
            {
                return 0;
            }
            var bytes = CommonParsers.ScaledBytes(child, "bytes");
            child.Done();
            return bytes;
        }
        var result = new StoragePoolDefinition
        {
            Type = type,
            Name = name,
            Uuid = uuid,
            CapacityBytes = Size("capacity"),
            AllocationBytes = Size("allocation"),
            AvailableBytes = Size("available"),
            Source = root.Child("source") is { } s ? Source(s, type) : new PoolSource(),
            Target = root.Child("target") is { } t ? Target(t) : null,
        };
        Require(root, result);
        root.Done();
        return result;
    }

    private static PoolSource Source(ElementReader source, StoragePoolType type)
    {
        string? dir = null;
        if (source.Child("dir") is { } d)
        {
            dir = d.NonEmptyAttr("path") ?? throw d.Error(DefinitionErrorReason.MissingRequired, "The source <dir> needs a 'path' attribute", null, "path");
            d.Done();
        }
        string? adapterType = null;
        string? adapterName = null;
        if (source.Child("adapter") is { } a)
        {
            adapterType = a.Attr("type");
            if (adapterType is not (null or "scsi_host" or "fc_host"))
            {
                throw a.Error(DefinitionErrorReason.InvalidValue, $"'{adapterType}' is not an adapter type", adapterType, "type", "scsi_host, fc_host");
            }
            adapterName = a.NonEmptyAttr("name");
            a.Done();
        }
        string? iqn = null;
        if (source.Child("initiator") is { } i)
        {
            var iqnElement = i.RequiredChild("iqn");
            iqn = iqnElement.NonEmptyAttr("name") ?? throw iqnElement.Error(DefinitionErrorReason.MissingRequired, "The <iqn> element needs a 'name' attribute", null, "name");
            iqnElement.Done();
            i.Done();
        }
        string? format = null;
        if (source.Child("format") is { } f)
        {
            format = f.RequiredAttr("type");
            var allowed = StorageXmlNames.PoolFormats[type];
            if (!allowed.Contains(format))
            {
                throw f.Error(DefinitionErrorReason.InvalidValue, $"'{format}' is not a source format of {StorageXmlNames.StoragePoolType.ToXml(type)} pools", format, "type", allowed.Count == 0 ? "no format for this pool type" : string.Join(", ", allowed));
            }
            f.Done();
        }
        var result = new PoolSource
        {
            Hosts = source.Children("host").Select(h =>
            {
                var host = new PoolSourceHost(h.NonEmptyAttr("name") ?? throw h.Error(DefinitionErrorReason.MissingRequired, "The source <host> needs a 'name' attribute", null, "name"), h.UInt32("port", 65535));
                h.Done();
                return host;
            }).ToValueList(),
            Devices = source.Children("device").Select(dev =>
            {
                var path = dev.NonEmptyAttr("path") ?? throw dev.Error(DefinitionErrorReason.MissingRequired, "The source <device> needs a 'path' attribute", null, "path");
                dev.Done();
                return path;
            }).ToValueList(),
            Dir = dir,
            AdapterType = adapterType,
            AdapterName = adapterName,
            Name = source.ChildText("name"),
            InitiatorIqn = iqn,
            Format = format,
        };
        source.Done();
        return result;
    }

    private static StorageTarget Target(ElementReader target)
    {
        var result = new StorageTarget(target.ChildText("path"), PermissionsXml.Parse(target));
        target.Done();
        return result;
    }

    // What each backend cannot work without (libvirt's per-backend poolOptions flags).
    private static void Require(ElementReader root, StoragePoolDefinition pool)
    {
        var s = pool.Source;
        var missing = pool.Type switch
        {
            StoragePoolType.Fs or StoragePoolType.Disk when s.Devices.Count == 0 => "<source><device path='…'/>",
            StoragePoolType.Netfs when s.Hosts.Count == 0 => "<source><host name='…'/>",
            StoragePoolType.Netfs when s.Dir is null => "<source><dir path='…'/>",
            StoragePoolType.Iscsi when s.Hosts.Count == 0 => "<source><host name='…'/>",
            StoragePoolType.Iscsi when s.Devices.Count == 0 => "<source><device path='target IQN'/>",
            StoragePoolType.Logical when s.Name is null && s.Devices.Count == 0 => "<source><name> or <device>",
            _ when pool.Type != StoragePoolType.Logical && pool.Target?.Path is null => "<target><path>",
            _ => null,
        };
        if (missing is not null)
        {
            throw root.Error(DefinitionErrorReason.MissingRequired, $"A {StorageXmlNames.StoragePoolType.ToXml(pool.Type)} pool needs {missing}", null, allowed: missing);
        }
    }
}
