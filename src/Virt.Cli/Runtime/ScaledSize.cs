using System.Globalization;

namespace Virt.Cli.Runtime;

/// <summary>virsh's scaled integers (virScaleInteger): a number with an optional unit, k/M/G/T/P/E (and KiB…) in powers
/// of 1024, KB/MB/… in powers of 1000, b or B for bytes; no unit means bytes.</summary>
internal static class ScaledSize
{
    public static bool TryParse(string text, out ulong bytes)
    {
        bytes = 0;
        var end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }
        if (end == 0 || !ulong.TryParse(text.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        var unit = text[end..];
        ulong scale;
        if (unit.Length == 0 || unit is "b" or "B" or "byte" or "bytes")
        {
            scale = 1;
        }
        else
        {
            var power = "kmgtpe".IndexOf(char.ToLowerInvariant(unit[0]), StringComparison.Ordinal) + 1;
            if (power == 0)
            {
                return false;
            }
            var rest = unit[1..];
            ulong baseUnit = rest switch
            {
                "" or "iB" or "ib" => 1024,
                "B" or "b" => 1000,
                _ => 0,
            };
            if (baseUnit == 0)
            {
                return false;
            }
            scale = 1;
            for (var i = 0; i < power; i++)
            {
                scale *= baseUnit;
            }
        }
        try
        {
            bytes = checked(number * scale);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
