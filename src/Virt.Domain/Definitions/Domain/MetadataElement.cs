namespace Virt.Domain;

/// <summary>One application-owned element of <c>&lt;metadata&gt;</c>, kept verbatim as libvirt does.</summary>
/// <param name="NamespaceUri">The element's namespace, which identifies the owning application.</param>
/// <param name="Xml">The element, serialised canonically with its namespace declarations.</param>
public sealed record MetadataElement(string NamespaceUri, string Xml);
