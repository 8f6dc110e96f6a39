using Virt.Domain.Storage;
using Virt.Domain.Xml.Internal;
using Virt.Domain.Xml.Internal.Storage;

namespace Virt.Domain.Xml;

/// <summary>Parses and formats libvirt storage pool XML.</summary>
public static class StoragePoolXml
{
    /// <summary>Parses an untrusted <c>&lt;pool&gt;</c> document.</summary>
    /// <param name="xml">The document.</param>
    /// <param name="options">Limits and generators; defaults when null.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="DefinitionException">The document is refused.</exception>
    public static StoragePoolDefinition Parse(string xml, DefinitionParseOptions? options = null)
    {
        options ??= DefinitionParseOptions.Default;
        return StoragePoolParser.Parse(XmlLoader.Load(xml, "pool", options), options);
    }

    /// <summary>Formats a pool as libvirt does.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The document, ending with a newline.</returns>
    public static string Format(StoragePoolDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return LibvirtXmlWriter.Write(StoragePoolFormatter.Format(definition));
    }
}
