using Virt.Domain.Storage;
using Virt.Domain.Xml.Internal;
using Virt.Domain.Xml.Internal.Storage;

namespace Virt.Domain.Xml;

/// <summary>Parses and formats libvirt storage volume XML.</summary>
public static class StorageVolumeXml
{
    /// <summary>Parses an untrusted <c>&lt;volume&gt;</c> document.</summary>
    /// <param name="xml">The document.</param>
    /// <param name="options">Limits; defaults when null.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="DefinitionException">The document is refused.</exception>
    public static StorageVolumeDefinition Parse(string xml, DefinitionParseOptions? options = null)
    {
        options ??= DefinitionParseOptions.Default;
        return StorageVolumeParser.Parse(XmlLoader.Load(xml, "volume", options));
    }

    /// <summary>Formats a volume as libvirt does.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The document, ending with a newline.</returns>
    public static string Format(StorageVolumeDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return LibvirtXmlWriter.Write(StorageVolumeFormatter.Format(definition));
    }
}
