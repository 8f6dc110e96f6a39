using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Virt.Api;

/// <summary>
/// Finds a field or enum value in a request that this server's descriptors do not define (proto/README.md, convention 6:
/// unknown input is refused, as libvirt's virCheckFlags refuses unknown flags). It walks the wire form, so it needs
/// nothing but descriptors and stays NativeAOT-safe.
/// </summary>
internal static class UnknownInput
{
    /// <summary>The dotted path of the first unknown field or enum value (<c>filter.9</c>, <c>filter.states</c>), or null.</summary>
    public static string? Find(IMessage message) => Walk(message.ToByteString(), message.Descriptor, "");

    private static string? Walk(ByteString bytes, MessageDescriptor descriptor, string path)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            var wireType = WireFormat.GetTagWireType(tag);
            var field = descriptor.FindFieldByNumber(number);
            if (field is null)
            {
                return path + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            var name = path + field.Name;
            switch (field.FieldType)
            {
                case FieldType.Message when wireType == WireFormat.WireType.LengthDelimited:
                    if (Walk(input.ReadBytes(), field.MessageType, name + ".") is { } inner)
                    {
                        return inner;
                    }
                    break;
                case FieldType.Enum when wireType == WireFormat.WireType.Varint:
                    if (field.EnumType.FindValueByNumber(input.ReadEnum()) is null)
                    {
                        return name;
                    }
                    break;
                case FieldType.Enum when wireType == WireFormat.WireType.LengthDelimited:
                    // A packed repeated enum.
                    var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while (!packed.IsAtEnd)
                    {
                        if (field.EnumType.FindValueByNumber(packed.ReadEnum()) is null)
                        {
                            return name;
                        }
                    }
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return null;
    }
}
