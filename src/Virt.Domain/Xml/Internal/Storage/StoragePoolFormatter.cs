using System.Xml.Linq;
using Virt.Domain.Storage;

namespace Virt.Domain.Xml.Internal.Storage;

/// <summary>Writes a pool in libvirt's order (virStoragePoolDefFormatBuf).</summary>
internal static class StoragePoolFormatter
{
    public static XElement Format(StoragePoolDefinition p)
    {
        var root = new XElement("pool", new XElement("name", p.Name), new XElement("uuid", CommonParsers.Uuid(p.Uuid))).Attr("type", StorageXmlNames.StoragePoolType.ToXml(p.Type));
        root.Add(Bytes("capacity", p.CapacityBytes), Bytes("allocation", p.AllocationBytes), Bytes("available", p.AvailableBytes));
        var s = p.Source;
        var source = new XElement("source");
        source.Add(s.Hosts.Select(h => new XElement("host").Attr("name", h.Name).Attr("port", h.Port)));
        source.Add(s.Devices.Select(d => new XElement("device").Attr("path", d)));
        if (s.Dir is not null)
        {
            source.Add(new XElement("dir").Attr("path", s.Dir));
        }
        if (s.AdapterType is not null || s.AdapterName is not null)
        {
            source.Add(new XElement("adapter").Attr("type", s.AdapterType).Attr("name", s.AdapterName));
        }
        source.TextChild("name", s.Name);
        if (s.InitiatorIqn is not null)
        {
            source.Add(new XElement("initiator", new XElement("iqn").Attr("name", s.InitiatorIqn)));
        }
        if (s.Format is not null)
        {
            source.Add(new XElement("format").Attr("type", s.Format));
        }
        source.AddAnnotation(KeepOpen.Instance);
        root.Add(source);
        if (p.Target is { } t)
        {
            root.Add(new XElement("target").TextChild("path", t.Path).Child(PermissionsXml.Format(t.Permissions)));
        }
        return root;
    }

    public static XElement Bytes(string name, ulong bytes) => new XElement(name, CommonParsers.Number(bytes)).Attr("unit", "bytes");
}
