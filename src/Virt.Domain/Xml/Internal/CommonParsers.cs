using System.Globalization;
using System.Xml.Linq;

namespace Virt.Domain.Xml.Internal;

/// <summary>Value parsers shared by all definition kinds.</summary>
internal static class CommonParsers
{
    public static string Name(ElementReader parent)
    {
        var child = parent.Child("name") ?? throw parent.Error(DefinitionErrorReason.MissingRequired, $"The <{parent.Name}> element needs a <name>", null, allowed: DefinitionNames.Rule);
        var name = child.Text();
        child.Done();
        var problem = DefinitionNames.Check(name);
        if (problem is not null)
        {
            throw child.Error(DefinitionErrorReason.InvalidValue, problem, name, allowed: DefinitionNames.Rule);
        }
        return name;
    }

    /// <summary>libvirt's virUUIDParse: 32 hex digits, dashes allowed between digit pairs, surrounding blanks ignored.</summary>
    public static Guid Uuid(ElementReader parent, Func<Guid> generate)
    {
        var child = parent.Child("uuid");
        if (child is null)
        {
            return generate();
        }
        var text = child.Text();
        child.Done();
        var hex = text.Trim().Replace("-", string.Empty, StringComparison.Ordinal);
        if (hex.Length != 32 || !hex.All(char.IsAsciiHexDigit) || !Guid.TryParseExact(hex, "N", out var uuid))
        {
            throw child.Error(DefinitionErrorReason.InvalidValue, $"'{text}' is not a valid UUID", text, allowed: "32 hexadecimal digits, optionally dash-separated");
        }
        return uuid;
    }

    /// <summary>A size written as element text plus a unit attribute, in bytes.</summary>
    public static ulong ScaledBytes(ElementReader element, string defaultUnit)
    {
        var unit = element.Attr("unit") ?? defaultUnit;
        return Scale(element, element.UInt64Text(), unit, "unit");
    }

    /// <summary>A size written as element text plus a unit attribute, in KiB rounded up (libvirt's memory rule).</summary>
    public static ulong ScaledKiB(ElementReader element) => SizeUnits.BytesToKiBRoundUp(ScaledBytes(element, "KiB"));

    /// <summary>A size written as a value attribute plus a unit attribute, in KiB rounded up.</summary>
    public static ulong ScaledKiBAttribute(ElementReader element, string valueAttribute, string unitAttribute)
    {
        var value = element.UInt64(valueAttribute) ?? throw element.Error(DefinitionErrorReason.MissingRequired, $"The <{element.Name}> element needs a '{valueAttribute}' attribute", null, valueAttribute);
        var unit = element.Attr(unitAttribute) ?? "KiB";
        return SizeUnits.BytesToKiBRoundUp(Scale(element, value, unit, unitAttribute));
    }

    private static ulong Scale(ElementReader element, ulong value, string unit, string unitAttribute)
    {
        if (!SizeUnits.TryGetScale(unit, out _))
        {
            throw element.Error(DefinitionErrorReason.InvalidValue, $"'{unit}' is not a known size unit", unit, unitAttribute, SizeUnits.Allowed);
        }
        if (!SizeUnits.TryToBytes(value, unit, out var bytes))
        {
            throw element.Error(DefinitionErrorReason.InvalidValue, $"{value} {unit} is too large", value.ToString(CultureInfo.InvariantCulture), allowed: $"at most {SizeUnits.MaxBytes} bytes");
        }
        return bytes;
    }

    /// <summary>A unicast MAC address, normalised to lowercase.</summary>
    public static string Mac(ElementReader element, string attribute, bool unicast)
    {
        var text = element.RequiredAttr(attribute);
        var parts = text.Split(':');
        if (parts.Length != 6 || parts.Any(p => p.Length is < 1 or > 2 || !p.All(char.IsAsciiHexDigit)))
        {
            throw element.Error(DefinitionErrorReason.InvalidValue, $"'{text}' is not a valid MAC address", text, attribute, "six colon-separated hexadecimal octets, e.g. 52:54:00:12:34:56");
        }
        var bytes = parts.Select(p => byte.Parse(p, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)).ToArray();
        if (unicast && (bytes[0] & 1) != 0)
        {
            throw element.Error(DefinitionErrorReason.InvalidValue, $"'{text}' is a multicast MAC address", text, attribute, "a unicast address (even first octet)");
        }
        return string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    public static string Uuid(Guid uuid) => uuid.ToString("D");

    public static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string YesNo(bool value) => value ? "yes" : "no";

    public static string OnOff(bool value) => value ? "on" : "off";

    /// <summary>Adds an attribute only when it has a value, keeping libvirt's attribute order at the call site.</summary>
    public static XElement Attr(this XElement element, string name, string? value)
    {
        if (value is not null)
        {
            element.Add(new XAttribute(name, value));
        }
        return element;
    }

    public static XElement Attr(this XElement element, string name, ulong? value) =>
        element.Attr(name, value is null ? null : Number(value.Value));

    public static XElement Attr(this XElement element, string name, uint? value) =>
        element.Attr(name, value is null ? null : Number(value.Value));

    public static XElement Attr(this XElement element, string name, int? value) =>
        element.Attr(name, value is null ? null : Number(value.Value));

    public static XElement Child(this XElement element, XElement? child)
    {
        if (child is not null)
        {
            element.Add(child);
        }
        return element;
    }

    public static XElement TextChild(this XElement element, string name, string? text)
    {
        if (text is not null)
        {
            element.Add(new XElement(name, text));
        }
        return element;
    }
}
