using System.Text;

namespace Virt.Cli.Output;

/// <summary>
/// What vsh-table.c's <c>vshTableSafeEncode</c> does to a cell before printing it: control characters, a literal
/// backslash-x and characters glibc finds unprintable become <c>\xNN</c> escapes, and the display width is
/// measured with glibc's wcwidth so that columns line up on a terminal.
/// </summary>
public static class CellText
{
    /// <summary>The cell as virsh prints it and the number of terminal columns it takes.</summary>
    public static (string Text, int Width) Encode(string cell, TextLocale locale)
    {
        ArgumentNullException.ThrowIfNull(cell);

        // virsh handles C strings: nothing after a NUL exists for it.
        var nul = cell.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            cell = cell[..nul];
        }

        var bytes = Encoding.UTF8.GetBytes(cell);
        var text = new StringBuilder(bytes.Length);
        var width = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if ((b == (byte)'\\' && i + 1 < bytes.Length && bytes[i + 1] == (byte)'x') || b < 0x20 || b == 0x7F)
            {
                width += AppendHex(text, b);
                i++;
                continue;
            }

            if (b < 0x80)
            {
                text.Append((char)b);
                width++;
                i++;
                continue;
            }

            if (locale == TextLocale.C)
            {
                // mbrtowc fails on every byte above 0x7F in the C locale, and the byte is not ASCII-printable.
                width += AppendHex(text, b);
                i++;
                continue;
            }

            var length = SequenceLength(b);
            var rune = Rune.DecodeFromUtf8(bytes.AsSpan(i, Math.Min(length, bytes.Length - i)), out var value, out var consumed);
            if (rune != System.Buffers.OperationStatus.Done)
            {
                width += AppendHex(text, b);
                i++;
                continue;
            }

            var columns = GlibcWidth.Of(value.Value);
            if (columns < 0)
            {
                for (var k = 0; k < consumed; k++)
                {
                    width += AppendHex(text, bytes[i + k]);
                }
            }
            else
            {
                text.Append(value.ToString());
                width += columns;
            }

            i += consumed;
        }

        return (text.ToString(), width);
    }

    private static int SequenceLength(byte lead) => lead switch
    {
        >= 0xF0 => 4,
        >= 0xE0 => 3,
        >= 0xC0 => 2,
        _ => 1,
    };

    // virsh formats the byte with "\\x%02x" from a signed char into a 5-byte buffer, so on x86-64 every byte
    // above 0x7F sign-extends to ffffffNN and is cut to "\xff".
    private static int AppendHex(StringBuilder text, byte b)
    {
        text.Append(b >= 0x80 ? "\\xff" : $"\\x{b:x2}");
        return 4;
    }
}
