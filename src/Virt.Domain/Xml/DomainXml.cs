using System.Xml.Linq;
using Virt.Domain.Xml.Internal;
using Virt.Domain.Xml.Internal.Domain;

namespace Virt.Domain.Xml;

/// <summary>Parses and formats libvirt domain XML.</summary>
public static class DomainXml
{
    /// <summary>
    /// Parses an untrusted <c>&lt;domain&gt;</c> document and fills in libvirt's driver-independent defaults.
    /// </summary>
    /// <param name="xml">The document.</param>
    /// <param name="options">Limits and generators; <see cref="DefinitionParseOptions.Default"/> when null.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="DefinitionException">The document is refused; the exception says where and why.</exception>
    public static DomainDefinition Parse(string xml, DefinitionParseOptions? options = null)
    {
        options ??= DefinitionParseOptions.Default;
        var root = XmlLoader.Load(xml, "domain", options);
        return DomainDefaults.Apply(new DomainParser(options).Parse(root));
    }

    /// <summary>
    /// Parses one untrusted device element (<c>&lt;interface&gt;</c>, <c>&lt;disk&gt;</c>, …), as virsh update-device
    /// and attach-device send it, with the same rules as inside a domain; the result holds that one device.
    /// </summary>
    /// <exception cref="DefinitionException">The element is refused; its location reads as inside <c>/domain/devices</c>.</exception>
    public static DomainDevices ParseDevice(string xml, DefinitionParseOptions? options = null)
    {
        options ??= DefinitionParseOptions.Default;
        var device = XmlLoader.LoadRoot(xml, options);
        // The domain parser reads devices only inside a domain: give it the smallest one around this element.
        var domain = new XElement("domain", new XAttribute("type", "qemu"), new XElement("name", "device"), new XElement("memory", "1"),
            new XElement("os", new XElement("type", "hvm")), new XElement("devices", device));
        return new DomainParser(options).Parse(new ElementReader(domain, "/domain")).Devices;
    }

    /// <summary>Formats a definition as libvirt does: two-space indent, single quotes, libvirt's element order.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The document, ending with a newline.</returns>
    public static string Format(DomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return LibvirtXmlWriter.Write(DomainFormatter.Format(definition));
    }
}
