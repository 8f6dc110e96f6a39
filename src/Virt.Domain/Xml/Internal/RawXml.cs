namespace Virt.Domain.Xml.Internal;

/// <summary>Annotation carrying verbatim XML children (metadata) that the writer emits libxml2-style.</summary>
internal sealed record RawXml(IReadOnlyList<string> Elements);
