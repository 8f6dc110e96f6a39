using System.Text;
using System.Xml.Linq;

namespace Virt.Domain.Xml.Internal;

/// <summary>
/// Writes an element tree the way libvirt's virBuffer formatter does: two-space indent, single-quoted
/// attributes in insertion order, <c>&lt;x/&gt;</c> for empty elements, and libvirt's escaping of
/// <c>&lt; &gt; &amp; ' "</c>. Verbatim metadata is written the way libxml2 dumps nodes (double quotes).
/// </summary>
internal static class LibvirtXmlWriter
{
    public static string Write(XElement root)
    {
        var sb = new StringBuilder();
        WriteElement(sb, root, 0);
        return sb.ToString();
    }

    private static void WriteElement(StringBuilder sb, XElement element, int depth)
    {
        sb.Append(' ', depth * 2).Append('<').Append(element.Name.LocalName);
        foreach (var attribute in element.Attributes())
        {
            sb.Append(' ').Append(attribute.Name.LocalName).Append("='");
            Escape(sb, attribute.Value, attribute: true, quote: '\'');
            sb.Append('\'');
        }
        var raw = element.Annotation<RawXml>();
        if (raw is not null)
        {
            sb.Append(">\n");
            foreach (var xml in raw.Elements)
            {
                WriteRaw(sb, XElement.Parse(xml), depth + 1);
                sb.Append('\n');
            }
            sb.Append(' ', depth * 2).Append("</").Append(element.Name.LocalName).Append(">\n");
            return;
        }
        if (element.HasElements)
        {
            sb.Append(">\n");
            foreach (var child in element.Elements())
            {
                WriteElement(sb, child, depth + 1);
            }
            sb.Append(' ', depth * 2).Append("</").Append(element.Name.LocalName).Append(">\n");
        }
        else if (element.Value.Length > 0)
        {
            sb.Append('>');
            Escape(sb, element.Value, attribute: false, quote: '\'');
            sb.Append("</").Append(element.Name.LocalName).Append(">\n");
        }
        else if (element.Annotation<KeepOpen>() is not null)
        {
            sb.Append(">\n").Append(' ', depth * 2).Append("</").Append(element.Name.LocalName).Append(">\n");
        }
        else
        {
            sb.Append("/>\n");
        }
    }

    /// <summary>Writes foreign XML with its prefixes; no trailing newline, like libxml2's xmlNodeDump.</summary>
    public static void WriteRaw(StringBuilder sb, XElement element, int depth)
    {
        sb.Append(' ', depth * 2).Append('<');
        var name = QualifiedName(element, element.Name);
        sb.Append(name);
        foreach (var attribute in element.Attributes())
        {
            sb.Append(' ');
            if (attribute.IsNamespaceDeclaration)
            {
                sb.Append(attribute.Name.NamespaceName.Length == 0 ? "xmlns" : "xmlns:" + attribute.Name.LocalName);
            }
            else
            {
                sb.Append(QualifiedName(element, attribute.Name));
            }
            sb.Append("=\"");
            Escape(sb, attribute.Value, attribute: true, quote: '"');
            sb.Append('"');
        }
        var nodes = element.Nodes().ToList();
        if (nodes.Count == 0)
        {
            sb.Append("/>");
            return;
        }
        sb.Append('>');
        // libxml2 only indents children when the element holds no text of its own (no mixed content).
        var indent = nodes.All(n => n is XElement);
        foreach (var node in nodes)
        {
            if (node is XElement child)
            {
                if (indent)
                {
                    sb.Append('\n');
                    WriteRaw(sb, child, depth + 1);
                }
                else
                {
                    WriteRaw(sb, child, 0);
                }
            }
            else if (node is XText text)
            {
                Escape(sb, text.Value, attribute: false, quote: '"');
            }
        }
        if (indent)
        {
            sb.Append('\n').Append(' ', depth * 2);
        }
        sb.Append("</").Append(name).Append('>');
    }

    private static string QualifiedName(XElement scope, XName name)
    {
        if (name.Namespace == XNamespace.None)
        {
            return name.LocalName;
        }
        if (name.Namespace == XNamespace.Xml)
        {
            return "xml:" + name.LocalName;
        }
        var prefix = scope.GetPrefixOfNamespace(name.Namespace);
        return prefix is null ? name.LocalName : prefix + ":" + name.LocalName;
    }

    private static void Escape(StringBuilder sb, string value, bool attribute, char quote)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '&':
                    sb.Append("&amp;");
                    break;
                case '\'' when quote == '\'':
                    sb.Append("&apos;");
                    break;
                case '"' when attribute || quote == '\'':
                    sb.Append("&quot;");
                    break;
                case '\r':
                    sb.Append("&#13;");
                    break;
                // Attribute-value normalisation would turn these into spaces on the next parse.
                case '\n' when attribute:
                    sb.Append("&#10;");
                    break;
                case '\t' when attribute:
                    sb.Append("&#9;");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
    }
}
