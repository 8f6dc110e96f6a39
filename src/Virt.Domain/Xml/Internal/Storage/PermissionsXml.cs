using System.Globalization;
using System.Xml.Linq;
using Virt.Domain.Storage;

namespace Virt.Domain.Xml.Internal.Storage;

/// <summary>Reads and writes <c>&lt;permissions&gt;</c>, shared by pools and volumes.</summary>
internal static class PermissionsXml
{
    public static StoragePermissions? Parse(ElementReader parent)
    {
        var permissions = parent.Child("permissions");
        if (permissions is null)
        {
            return null;
        }
        uint? mode = null;
        if (permissions.Child("mode") is { } m)
        {
            var text = m.Text().Trim();
            if (text.Length is 0 or > 4 || !text.All(c => c is >= '0' and <= '7'))
            {
                throw m.Error(DefinitionErrorReason.InvalidValue, $"'{text}' is not an octal file mode", text, allowed: "octal digits 0000 to 7777");
            }
            mode = Convert.ToUInt32(text, 8);
            m.Done();
        }
        uint? Id(string name)
        {
            var child = permissions.Child(name);
            if (child is null)
            {
                return null;
            }
            var text = child.Text().Trim();
            child.Done();
            // libvirt writes -1 for "unchanged"; it is the same as absent.
            if (text == "-1")
            {
                return null;
            }
            return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != uint.MaxValue
                ? id
                : throw child.Error(DefinitionErrorReason.InvalidValue, $"'{text}' is not a numeric {name} id", text, allowed: "a number, or -1");
        }
        var result = new StoragePermissions(mode, Id("owner"), Id("group"), permissions.ChildText("label"));
        permissions.Done();
        return result;
    }

    public static XElement? Format(StoragePermissions? permissions)
    {
        if (permissions is null)
        {
            return null;
        }
        return new XElement("permissions")
            .TextChild("mode", permissions.Mode is null ? null : "0" + Convert.ToString(permissions.Mode.Value, 8).PadLeft(3, '0'))
            .TextChild("owner", permissions.Owner is null ? null : CommonParsers.Number(permissions.Owner.Value))
            .TextChild("group", permissions.Group is null ? null : CommonParsers.Number(permissions.Group.Value))
            .TextChild("label", permissions.Label);
    }
}
