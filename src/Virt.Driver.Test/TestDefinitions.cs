using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver.Test;

/// <summary>
/// What libvirt's test driver does to a definition on top of the generic parse: it parses as an inactive
/// definition (runtime fields dropped), defaults the architecture to i686 and names every NIC without a target
/// device <c>testnetN</c>, the lowest number not already taken in the domain.
/// </summary>
internal static class TestDefinitions
{
    public const string DefaultArch = "i686";

    public static DomainDefinition Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        DomainDefinition parsed;
        try
        {
            parsed = DomainXml.Parse(xml);
        }
        catch (DefinitionException e)
        {
            throw VirtException.FromDefinition(e);
        }
        return Normalise(parsed);
    }

    public static DomainDefinition Normalise(DomainDefinition definition)
    {
        var taken = new HashSet<string>(definition.Devices.Interfaces.Select(i => i.TargetDev).OfType<string>(), StringComparer.Ordinal);
        var interfaces = new List<NetworkInterface>(definition.Devices.Interfaces.Count);
        foreach (var nic in definition.Devices.Interfaces)
        {
            var target = nic.TargetDev;
            if (target is null)
            {
                target = Enumerable.Range(0, int.MaxValue).Select(n => "testnet" + n.ToString(CultureInfo.InvariantCulture)).First(n => !taken.Contains(n));
                taken.Add(target);
            }
            // libvirt drops these on an inactive parse: they describe a running guest, not its configuration.
            var source = nic.Type == InterfaceType.Network && nic.Source is { } s ? s with { Bridge = null, PortId = null } : nic.Source;
            interfaces.Add(nic with { TargetDev = target, Source = source });
        }
        return definition with
        {
            Id = null,
            Os = definition.Os.Arch is null ? definition.Os with { Arch = DefaultArch } : definition.Os,
            Devices = definition.Devices with { Interfaces = new ValueList<NetworkInterface>(interfaces) },
        };
    }

    /// <summary>
    /// The canonical form of one <c>&lt;metadata&gt;</c> child as <see cref="DomainXml"/> keeps it, with the element put
    /// in <paramref name="namespaceUri"/> under prefix <paramref name="key"/> as libvirt's virDomainSetMetadata does.
    /// The element goes through the domain parser itself so that it is stored exactly as a defined document's
    /// metadata would be, with the same size limits and the same refusal of DTDs.
    /// </summary>
    public static MetadataElement MetadataElement(string namespaceUri, string key, string xml)
    {
        if (xml.Length > DefinitionParseOptions.DefaultMaxDocumentBytes)
        {
            throw new VirtException(VirtErrorReason.ResourceLimit, $"The metadata element is {xml.Length} characters long; at most {DefinitionParseOptions.DefaultMaxDocumentBytes} are accepted.", new Dictionary<string, string> { ["element"] = "metadata" });
        }
        try
        {
            XmlConvert.VerifyNCName(key);
        }
        catch (XmlException e)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The metadata key '{key}' is not a valid XML namespace prefix; use letters, digits, '-', '_' or '.', starting with a letter.", new Dictionary<string, string> { ["key"] = key }, e);
        }
        XElement element;
        try
        {
            element = XElement.Parse(xml);
        }
        catch (XmlException e)
        {
            throw new VirtException(VirtErrorReason.InvalidXml, $"The metadata element is not well-formed XML: {e.Message}", new Dictionary<string, string> { ["element"] = "metadata" }, e);
        }
        XNamespace ns = namespaceUri;
        element.Name = ns + element.Name.LocalName;
        element.Add(new XAttribute(XNamespace.Xmlns + key, namespaceUri));
        var document = new XElement("domain",
            new XAttribute("type", "test"),
            new XElement("name", "metadata"),
            new XElement("metadata", element),
            new XElement("memory", 1),
            new XElement("os", new XElement("type", "hvm")));
        try
        {
            return DomainXml.Parse(document.ToString(SaveOptions.DisableFormatting)).Metadata.Single();
        }
        catch (DefinitionException e)
        {
            throw VirtException.FromDefinition(e);
        }
    }
}
