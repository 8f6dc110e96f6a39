using Virt.Domain.Network;
using Virt.Domain.Xml.Internal;
using Virt.Domain.Xml.Internal.Network;

namespace Virt.Domain.Xml;

/// <summary>Parses and formats libvirt network XML.</summary>
public static class NetworkXml
{
    /// <summary>Parses an untrusted <c>&lt;network&gt;</c> document.</summary>
    /// <param name="xml">The document.</param>
    /// <param name="options">Limits and generators; defaults when null.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="DefinitionException">The document is refused.</exception>
    public static NetworkDefinition Parse(string xml, DefinitionParseOptions? options = null)
    {
        options ??= DefinitionParseOptions.Default;
        return NetworkParser.Parse(XmlLoader.Load(xml, "network", options), options);
    }

    /// <summary>Formats a network as libvirt does.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The document, ending with a newline.</returns>
    public static string Format(NetworkDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return LibvirtXmlWriter.Write(NetworkFormatter.Format(definition));
    }
}
