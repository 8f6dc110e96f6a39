using System.Xml;
using System.Xml.Linq;
using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver;

/// <summary>The one way every driver turns <c>virsh metadata --set</c> input into a stored element.</summary>
public static class MetadataElements
{
    /// <summary>
    /// The canonical form of one <c>&lt;metadata&gt;</c> child, put in <paramref name="namespaceUri"/> under prefix
    /// <paramref name="key"/> as libvirt's virDomainSetMetadata does. It goes through the domain parser itself, so it
    /// is stored exactly as a defined document's metadata would be, with the same limits and the same refusal of DTDs.
    /// </summary>
    public static MetadataElement Parse(string namespaceUri, string key, string xml)
    {
        ArgumentNullException.ThrowIfNull(namespaceUri);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(xml);
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
            // Untrusted: no DTD, so no entity can expand (XElement.Parse alone would expand internal entities).
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = DefinitionParseOptions.DefaultMaxDocumentBytes,
            });
            element = XElement.Load(reader);
        }
        catch (XmlException e)
        {
            throw new VirtException(VirtErrorReason.InvalidXml, $"The metadata element is not well-formed XML: {e.Message}", new Dictionary<string, string> { ["element"] = "metadata" }, e);
        }
        // libvirt's virXMLInjectNamespace: every element of the tree moves into the namespace, under the key's prefix,
        // declared before the element's own attributes (libxml2's order).
        XNamespace ns = namespaceUri;
        foreach (var node in element.DescendantsAndSelf())
        {
            node.Name = ns + node.Name.LocalName;
        }
        element.ReplaceAttributes([new XAttribute(XNamespace.Xmlns + key, namespaceUri), .. element.Attributes().Where(a => !a.IsNamespaceDeclaration)]);
        var document = new XElement("domain",
            new XAttribute("type", "qemu"),
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
