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

    /// <summary>Formats a definition as libvirt does: two-space indent, single quotes, libvirt's element order.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The document, ending with a newline.</returns>
    public static string Format(DomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return LibvirtXmlWriter.Write(DomainFormatter.Format(definition));
    }
}
