using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Virt.Domain.Xml.Internal;

/// <summary>
/// Reads one element and remembers which attributes and children were asked for, so that
/// <see cref="Done"/> can refuse everything else: unknown input is an error, never silently dropped.
/// </summary>
internal sealed class ElementReader
{
    private readonly XElement _element;
    private readonly List<string> _knownAttributes = [];
    private readonly List<string> _knownChildren = [];

    public ElementReader(XElement element, string path)
    {
        _element = element;
        Path = path;
    }

    public string Path { get; }

    public XElement Element => _element;

    public string Name => _element.Name.LocalName;

    public string? Attr(string name)
    {
        Remember(_knownAttributes, name);
        return _element.Attribute(name)?.Value;
    }

    public string RequiredAttr(string name)
    {
        var value = Attr(name);
        if (value is null)
        {
            throw Error(DefinitionErrorReason.MissingRequired, $"The <{Name}> element needs a '{name}' attribute", null, attribute: name);
        }
        return value;
    }

    public string? NonEmptyAttr(string name)
    {
        var value = Attr(name);
        if (value is not null && value.Length == 0)
        {
            throw Error(DefinitionErrorReason.InvalidValue, $"The '{name}' attribute must not be empty", value, attribute: name, allowed: "a non-empty string");
        }
        return value;
    }

    public T? Enum<T>(string name, EnumMap<T> map)
        where T : struct, Enum
    {
        var value = Attr(name);
        if (value is null)
        {
            return null;
        }
        if (!map.TryParse(value, out var parsed))
        {
            throw Error(DefinitionErrorReason.InvalidValue, $"'{value}' is not a supported value of {name}", value, attribute: name, allowed: string.Join(", ", map.Names));
        }
        return parsed;
    }

    public T RequiredEnum<T>(string name, EnumMap<T> map)
        where T : struct, Enum
    {
        RequiredAttr(name);
        return Enum(name, map)!.Value;
    }

    public ulong? UInt64(string name, ulong max = ulong.MaxValue)
    {
        var value = Attr(name);
        return value is null ? null : ParseUInt64(value, max, name);
    }

    public uint? UInt32(string name, uint max = uint.MaxValue)
    {
        var value = UInt64(name, max);
        return value is null ? null : (uint)value.Value;
    }

    public int? Int32(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var value = Attr(name);
        if (value is null)
        {
            return null;
        }
        if (!int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            throw Error(DefinitionErrorReason.InvalidValue, $"'{value}' is not a valid {name}", value, attribute: name, allowed: $"an integer from {min} to {max}");
        }
        return parsed;
    }

    public bool? YesNo(string name) => Switch(name, "yes", "no");

    public bool? OnOff(string name) => Switch(name, "on", "off");

    public ElementReader? Child(string name)
    {
        Remember(_knownChildren, name);
        ElementReader? found = null;
        foreach (var child in _element.Elements(name))
        {
            if (found is not null)
            {
                var info = (IXmlLineInfo)child;
                throw new DefinitionException(
                    DefinitionErrorReason.Conflict,
                    $"{Path}/{name}[2]",
                    $"The <{name}> element may appear only once in <{Name}>",
                    allowed: "a single element",
                    line: info.LineNumber,
                    column: info.LinePosition);
            }
            found = new ElementReader(child, $"{Path}/{name}");
        }
        return found;
    }

    public ElementReader RequiredChild(string name)
    {
        var child = Child(name);
        if (child is null)
        {
            throw Error(DefinitionErrorReason.MissingRequired, $"The <{Name}> element needs a <{name}> child", null);
        }
        return child;
    }

    public IReadOnlyList<ElementReader> Children(string name)
    {
        Remember(_knownChildren, name);
        var elements = _element.Elements(name).ToList();
        if (elements.Count == 1)
        {
            return [new ElementReader(elements[0], $"{Path}/{name}")];
        }
        return [.. elements.Select((e, i) => new ElementReader(e, $"{Path}/{name}[{i + 1}]"))];
    }

    /// <summary>The text of an optional leaf child such as <c>&lt;title&gt;</c>.</summary>
    public string? ChildText(string name)
    {
        var child = Child(name);
        if (child is null)
        {
            return null;
        }
        var text = child.Text();
        child.Done();
        return text;
    }

    /// <summary>The presence of an empty marker child such as <c>&lt;readonly/&gt;</c>.</summary>
    public bool Flag(string name)
    {
        var child = Child(name);
        child?.Done();
        return child is not null;
    }

    public string Text() => string.Concat(_element.Nodes().OfType<XText>().Select(t => t.Value));

    public string NonEmptyText()
    {
        var text = Text();
        if (text.Trim().Length == 0)
        {
            throw Error(DefinitionErrorReason.InvalidValue, $"The <{Name}> element must not be empty", text, allowed: "a non-empty value");
        }
        return text;
    }

    public T EnumText<T>(EnumMap<T> map)
        where T : struct, Enum
    {
        var text = Text().Trim();
        if (!map.TryParse(text, out var parsed))
        {
            throw Error(DefinitionErrorReason.InvalidValue, $"'{text}' is not a supported value of <{Name}>", text, allowed: string.Join(", ", map.Names));
        }
        return parsed;
    }

    public ulong UInt64Text(ulong max = ulong.MaxValue) => ParseUInt64(Text(), max, null);

    public long Int64Text(long min, long max)
    {
        var text = Text();
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            throw Error(DefinitionErrorReason.InvalidValue, $"'{text}' is not a valid <{Name}> value", text, allowed: $"an integer from {min} to {max}");
        }
        return parsed;
    }

    /// <summary>Refuses any attribute or child element that no parse step asked for.</summary>
    public void Done()
    {
        DoneAttributes();
        DoneChildren();
    }

    /// <summary>Refuses unknown attributes only, for elements whose children are foreign XML kept verbatim.</summary>
    public void DoneAttributes()
    {
        foreach (var attribute in _element.Attributes())
        {
            if (attribute.IsNamespaceDeclaration)
            {
                continue;
            }
            var name = attribute.Name.NamespaceName.Length == 0 ? attribute.Name.LocalName : attribute.Name.ToString();
            if (attribute.Name.NamespaceName.Length != 0 || !_knownAttributes.Contains(name))
            {
                var info = (IXmlLineInfo)attribute;
                throw new DefinitionException(
                    DefinitionErrorReason.UnknownAttribute,
                    $"{Path}/@{name}",
                    $"The attribute '{name}' is not supported on <{Name}>",
                    found: name,
                    allowed: _knownAttributes.Count == 0 ? "no attributes" : string.Join(", ", _knownAttributes),
                    line: info.LineNumber,
                    column: info.LinePosition);
            }
        }
    }

    private void DoneChildren()
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var child in _element.Elements())
        {
            var local = child.Name.LocalName;
            seen[local] = seen.GetValueOrDefault(local) + 1;
            if (child.Name.NamespaceName.Length != 0 || !_knownChildren.Contains(local))
            {
                var info = (IXmlLineInfo)child;
                var shown = child.Name.NamespaceName.Length == 0 ? local : $"{local} (namespace {child.Name.NamespaceName})";
                var count = _element.Elements(child.Name).Count();
                var step = count > 1 ? $"{local}[{seen[local]}]" : local;
                throw new DefinitionException(
                    DefinitionErrorReason.UnknownElement,
                    $"{Path}/{step}",
                    $"The element <{shown}> is not supported in <{Name}>",
                    found: local,
                    allowed: _knownChildren.Count == 0 ? "no child elements" : string.Join(", ", _knownChildren),
                    line: info.LineNumber,
                    column: info.LinePosition);
            }
        }
    }

    public DefinitionException Error(
        DefinitionErrorReason reason,
        string detail,
        string? found,
        string? attribute = null,
        string? allowed = null)
    {
        IXmlLineInfo info = attribute is not null && _element.Attribute(attribute) is { } a ? a : _element;
        var location = attribute is null ? Path : $"{Path}/@{attribute}";
        return new DefinitionException(reason, location, detail, found, allowed, info.LineNumber, info.LinePosition);
    }

    private ulong ParseUInt64(string value, ulong max, string? attribute)
    {
        var text = value.Trim();
        ulong parsed;
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out parsed)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out parsed);
        if (!ok || parsed > max)
        {
            var what = attribute is null ? $"<{Name}>" : attribute;
            throw Error(DefinitionErrorReason.InvalidValue, $"'{value}' is not a valid {what} value", value, attribute, $"an unsigned integer up to {max}");
        }
        return parsed;
    }

    private bool? Switch(string name, string on, string off)
    {
        var value = Attr(name);
        if (value is null)
        {
            return null;
        }
        if (value == on)
        {
            return true;
        }
        if (value == off)
        {
            return false;
        }
        throw Error(DefinitionErrorReason.InvalidValue, $"'{value}' is not a valid value of {name}", value, name, $"{on}, {off}");
    }

    private static void Remember(List<string> list, string name)
    {
        if (!list.Contains(name))
        {
            list.Add(name);
        }
    }
}
