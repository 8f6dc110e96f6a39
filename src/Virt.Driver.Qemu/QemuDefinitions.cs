using System.Xml;
using Virt.Domain;
using Virt.Domain.Xml;

namespace Virt.Driver.Qemu;

/// <summary>
/// What the QEMU driver accepts as a definition: the generic parse (size limit, no DTD, strict schema, name rule),
/// the operator's limits, and a domain type QEMU can run. Every document it writes goes through
/// <see cref="Format"/> (a parsed definition) or <see cref="Canonical"/> (an edited one), so what is on disk always
/// parses back to what is in memory.
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
    /// (an edit put text XML cannot carry) is refused here, before anything is written. A running domain's live
    /// definition (<paramref name="live"/>) keeps what was allocated at its start, such as its displays' ports.
    /// </summary>
    public static (string Xml, DomainDefinition Definition) Canonical(DomainDefinition definition, QemuDriverOptions options, bool live = false)
    {
        var xml = Format(definition);
        try
        {
            // No generators may fire here: everything generated (UUID, MACs) is already in the document.
            return (xml, DomainXml.Parse(xml, options.ParseOptions with { Live = live }));
        }
        catch (DefinitionException e)
        {
            // Only an edit can get here (text XML cannot carry, such as a control character in a description).
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The definition of domain '{definition.Name}' would not read back after this change: {e.Message}",
                new Dictionary<string, string> { ["domain"] = definition.Name }, e);
        }
    }

    /// <summary>
    /// The document to store for a definition that came out of <see cref="Parse"/>: the parser only builds
    /// definitions that format to a document parsing back to them, so no second parse is needed.
    /// </summary>
    public static string Format(DomainDefinition definition)
    {
        try
        {
            return DomainXml.Format(definition);
        }
        catch (Exception e) when (e is ArgumentException or XmlException)
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"The definition of domain '{definition.Name}' cannot be written as XML: {e.Message}",
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
}
