using System.Text;
using System.Xml.Linq;

namespace Virt.Domain.Xml.Internal;

/// <summary>
/// Detaches a metadata element into a self-contained canonical string: whitespace-only text between child
/// elements is dropped (it is re-created by indentation on output) and namespace prefixes declared on
/// ancestors are re-declared on the element, so formatting the string later is stable.
/// </summary>
internal static class MetadataCanonicalizer
{
    public static string Canonicalize(XElement original)
    {
        var copy = Copy(original);
        foreach (var ns in original.DescendantsAndSelf().SelectMany(e => e.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => a.Name.Namespace).Append(e.Name.Namespace)).Distinct())
        {
            if (ns == XNamespace.None || ns == XNamespace.Xml || copy.GetPrefixOfNamespace(ns) is not null || copy.GetDefaultNamespace() == ns)
            {
                continue;
            }
            var prefix = original.GetPrefixOfNamespace(ns);
            // libxml2 writes namespace declarations before ordinary attributes.
            var declaration = prefix is null ? new XAttribute("xmlns", ns.NamespaceName) : new XAttribute(XNamespace.Xmlns + prefix, ns.NamespaceName);
            copy.ReplaceAttributes(copy.Attributes().Where(a => a.IsNamespaceDeclaration).Append(declaration).Concat(copy.Attributes().Where(a => !a.IsNamespaceDeclaration)).ToList());
        }
        var sb = new StringBuilder();
        LibvirtXmlWriter.WriteRaw(sb, copy, 0);
        return sb.ToString();
    }

    private static XElement Copy(XElement source)
    {
        var copy = new XElement(source.Name, source.Attributes().Select(a => new XAttribute(a)));
        var hasElements = source.HasElements;
        foreach (var node in source.Nodes())
        {
            switch (node)
            {
                case XElement child:
                    copy.Add(Copy(child));
                    break;
                case XText text when !(hasElements && string.IsNullOrWhiteSpace(text.Value)):
                    copy.Add(new XText(text.Value));
                    break;
                default:
                    break;
            }
        }
        return copy;
    }
}
