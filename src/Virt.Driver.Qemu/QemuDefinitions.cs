using System.Xml;
using System.Xml.Linq;
using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver.Qemu;

/// <summary>
/// What the QEMU driver accepts as a definition: the generic parse (size limit, no DTD, strict schema, name rule),
/// the operator's limits, and a domain type QEMU can run. Every document it writes goes through
/// <see cref="Canonical"/>, so what is on disk always parses back to what is in memory.
/// </summary>
internal static class QemuDefinitions
{
    public static DomainDefinition Parse(string xml, QemuDriverOptions options)
    {
        ArgumentNullException.ThrowIfNull(xml);
        DomainDefinition parsed;
        try
        {
            parsed = DomainXml.Parse(xml, options.ParseOptions);
        }
        catch (DefinitionException e)
        {
            throw FromDefinition(e);
        }
        if (parsed.Type == DomainType.Test)
        {
            throw new VirtException(VirtErrorReason.XmlUnsupported,
                "The QEMU driver runs domains of type 'qemu' or 'kvm', not 'test': change <domain type='test'> (test domains belong to test:///default or virtd --driver test).",
                new Dictionary<string, string> { ["element"] = "/domain/@type", ["domain"] = parsed.Name });
        }
        try
        {
            DomainValidator.Validate(parsed, options.Limits, options.HostCpus);
        }
        catch (DefinitionException e)
        {
            throw FromDefinition(e);
        }
        // A live document's runtime id means nothing for a persistent definition (libvirt drops it too).
        return parsed with { Id = null };
    }

    /// <summary>
    /// The document to store and the definition it parses back to. A definition that would not survive a reload
    /// (an edit put text XML cannot carry) is refused here, before anything is written.
    /// </summary>
    public static (string Xml, DomainDefinition Definition) Canonical(DomainDefinition definition, QemuDriverOptions options)
    {
        string xml;
        try
        {
            xml = DomainXml.Format(definition);
        }
        catch (Exception e) when (e is ArgumentException or XmlException)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The definition of domain '{definition.Name}' cannot be written as XML: {e.Message}",
                new Dictionary<string, string> { ["domain"] = definition.Name }, e);
        }
        try
        {
            // No generators may fire here: everything generated (UUID, MACs) is already in the document.
            return (xml, DomainXml.Parse(xml, options.ParseOptions));
        }
        catch (DefinitionException e)
        {
            // Only an edit can get here (text XML cannot carry, such as a control character in a description).
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The definition of domain '{definition.Name}' would not read back after this change: {e.Message}",
                new Dictionary<string, string> { ["domain"] = definition.Name }, e);
        }
    }

    /// <summary>
    /// libvirt's error classes for a refused document: a bad name is an invalid argument (it names what to change),
    /// the rest keep Virt.Driver's mapping (InvalidXml, ResourceLimit for policy limits).
    /// </summary>
    public static VirtException FromDefinition(DefinitionException e)
    {
        var mapped = VirtException.FromDefinition(e);
        if (e.Location == "/domain/name")
        {
            return new VirtException(VirtErrorReason.InvalidArgument, $"Invalid domain name: {e.Message}", mapped.Metadata, e);
        }
        if (e.Reason == DefinitionErrorReason.TooLarge)
        {
            return new VirtException(VirtErrorReason.ResourceLimit, e.Message, mapped.Metadata, e);
        }
        return mapped;
    }

    /// <summary>
    /// The canonical form of one <c>&lt;metadata&gt;</c> child, put in <paramref name="namespaceUri"/> under prefix
    /// <paramref name="key"/> as libvirt's virDomainSetMetadata does. It goes through the domain parser itself, so it
    /// is stored exactly as a defined document's metadata would be, with the same limits and the same refusal of DTDs.
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
        XNamespace ns = namespaceUri;
        element.Name = ns + element.Name.LocalName;
        element.Add(new XAttribute(XNamespace.Xmlns + key, namespaceUri));
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
