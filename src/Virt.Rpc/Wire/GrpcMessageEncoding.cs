using System.Text;

namespace Virt.Rpc.Wire;

/// <summary>
/// Percent-encoding of <c>grpc-message</c>: UTF-8 bytes outside printable ASCII, and '%' itself, become %XX,
/// so any status detail survives HTTP/2 header rules.
/// </summary>
internal static class GrpcMessageEncoding
{
    public static string Encode(string message)
    {
        var needsEncoding = false;
        foreach (var c in message)
        {
            if (c < 0x20 || c > 0x7E || c == '%')
            {
                needsEncoding = true;
                break;
            }
        }
        if (!needsEncoding)
        {
            return message;
        }
        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes)
        {
            if (b < 0x20 || b > 0x7E || b == (byte)'%')
            {
                builder.Append('%').Append(Convert.ToHexString([b]));
            }
            else
            {
                builder.Append((char)b);
            }
        }
        return builder.ToString();
    }

    /// <summary>Decodes leniently: a malformed escape is kept as it is, as the protocol asks.</summary>
    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && char.IsAsciiHexDigit(value[i + 1]) && char.IsAsciiHexDigit(value[i + 2]))
            {
                bytes.Add(Convert.FromHexString(value.AsSpan(i + 1, 2))[0]);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
