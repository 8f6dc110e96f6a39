using System.Text;

namespace Virt.Rpc.Wire;

/// <summary>
/// Writes HPACK header fields (RFC 7541) without touching either side's dynamic table: indexed static entries, and
/// literals "without indexing" with plain (not Huffman-coded) strings. A request's few headers cost a few bytes more
/// than with indexing, and no state is shared with the decoder, so nothing can go out of step.
/// </summary>
internal static class HpackLiteralEncoder
{
    /// <summary>An entry of the static table, name and value (<c>:method POST</c> is 3).</summary>
    public static void WriteIndexed(List<byte> block, int staticIndex) => WriteInteger(block, staticIndex, 7, 0x80);

    /// <summary>A literal whose name is the static table's entry <paramref name="staticNameIndex"/>.</summary>
    public static void WriteLiteral(List<byte> block, int staticNameIndex, string value)
    {
        WriteInteger(block, staticNameIndex, 4, 0x00);
        WriteString(block, value);
    }

    /// <summary>A literal with its name spelled out (lower case, as HTTP/2 requires).</summary>
    public static void WriteLiteral(List<byte> block, string name, string value)
    {
        block.Add(0x00);
        WriteString(block, name);
        WriteString(block, value);
    }

    /// <summary>Whether a header can go out as it is: visible ASCII and spaces only (otherwise the pooled path decides).</summary>
    public static bool IsPlainAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    private static void WriteString(List<byte> block, string text)
    {
        WriteInteger(block, text.Length, 7, 0x00);
        block.AddRange(Encoding.ASCII.GetBytes(text));
    }

    /// <summary>An integer with an N-bit prefix (RFC 7541, 5.1), the prefix's other bits set to <paramref name="flags"/>.</summary>
    internal static void WriteInteger(List<byte> block, int value, int prefixBits, byte flags)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.Add((byte)(flags | value));
            return;
        }
        block.Add((byte)(flags | max));
        value -= max;
        while (value >= 0x80)
        {
            block.Add((byte)((value & 0x7f) | 0x80));
            value >>= 7;
        }
        block.Add((byte)value);
    }
}
