using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Virt.Domain.Xml.Internal;

/// <summary>Turns untrusted text into an element tree, refusing DTDs, entities and oversized input.</summary>
internal static class XmlLoader
{
    public static ElementReader Load(string xml, string rootName, DefinitionParseOptions options)
    {
        var root = LoadRoot(xml, options);
        if (root.Name.NamespaceName.Length != 0 || root.Name.LocalName != rootName)
        {
            var info = (IXmlLineInfo)root;
            throw new DefinitionException(
                DefinitionErrorReason.UnknownElement,
                "/",
                $"The root element <{root.Name.LocalName}> is not a {rootName} definition",
                found: root.Name.LocalName,
                allowed: rootName,
                line: info.LineNumber,
                column: info.LinePosition);
        }
        return new ElementReader(root, "/" + rootName);
    }

    /// <summary>The document's root element, whatever its name (a device element for update-device, say).</summary>
    public static XElement LoadRoot(string xml, DefinitionParseOptions options)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentNullException.ThrowIfNull(options);
        // Count bytes without allocating them: the limit is about what a client may make us hold.
        if (xml.Length > options.MaxDocumentBytes || Encoding.UTF8.GetByteCount(xml) > options.MaxDocumentBytes)
        {
            throw new DefinitionException(
                DefinitionErrorReason.TooLarge,
                string.Empty,
                $"The document is {Encoding.UTF8.GetByteCount(xml)} bytes, over the limit of {options.MaxDocumentBytes} bytes",
                found: Encoding.UTF8.GetByteCount(xml).ToString(System.Globalization.CultureInfo.InvariantCulture),
                allowed: $"at most {options.MaxDocumentBytes} bytes");
        }
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 0,
            MaxCharactersInDocument = options.MaxDocumentBytes,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        XDocument document;
        try
        {
            using var text = new StringReader(xml);
            using var reader = XmlReader.Create(text, settings);
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            if (xml.Contains("<!DOCTYPE", StringComparison.Ordinal) || xml.Contains("<!ENTITY", StringComparison.Ordinal))
            {
                throw new DefinitionException(
                    DefinitionErrorReason.DtdForbidden,
                    string.Empty,
                    "The document declares a DTD or entities, which are refused for untrusted input",
                    allowed: "plain XML without <!DOCTYPE>",
                    line: ex.LineNumber,
                    column: ex.LinePosition);
            }
            throw new DefinitionException(
                DefinitionErrorReason.XmlMalformed,
                string.Empty,
                $"The document is not well-formed XML: {FirstSentence(ex.Message)}",
                line: ex.LineNumber,
                column: ex.LinePosition);
        }
        return document.Root!;
    }

    // XmlException messages end with their own "Line x, position y." which the exception already carries.
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }
}
