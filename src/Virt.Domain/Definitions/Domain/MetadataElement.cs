using System.Text;
using System.Xml.Linq;
using Virt.Domain.Xml.Internal;

namespace Virt.Domain;

/// <summary>One application-owned element of <c>&lt;metadata&gt;</c>, kept verbatim as libvirt does.</summary>
/// <param name="NamespaceUri">The element's namespace, which identifies the owning application.</param>
/// <param name="Xml">The element, serialised canonically with its namespace declarations.</param>
public sealed record MetadataElement(string NamespaceUri, string Xml)
{
    /// <summary>
    /// The element as virDomainGetMetadata returns it: the application's namespace taken off every element and its
    /// declaration dropped (<c>&lt;a x="1"&gt;</c> for a stored <c>&lt;k:a xmlns:k="…" x="1"&gt;</c>), indented as libvirt
    /// indents it. Elements of other namespaces keep theirs.
    /// </summary>
    public string WithoutNamespace()
    {
        var element = XElement.Parse(Xml, LoadOptions.PreserveWhitespace);
        XNamespace ns = NamespaceUri;
        foreach (var node in element.DescendantsAndSelf())
        {
            node.Attributes().Where(a => a.IsNamespaceDeclaration && a.Value == NamespaceUri).Remove();
            if (node.Name.Namespace == ns)
            {
                node.Name = node.Name.LocalName;
            }
        }
        var text = new StringBuilder();
        LibvirtXmlWriter.WriteRaw(text, element, 0);
        return text.ToString();
    }
}
