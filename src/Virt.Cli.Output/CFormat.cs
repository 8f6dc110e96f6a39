using System.Globalization;
using System.Numerics;
using System.Text;

namespace Virt.Cli.Output;

/// <summary>The few printf conversions virsh's output depends on, with glibc's exact rounding.</summary>
internal static class CFormat
{
    /// <summary>
    /// <c>printf("%.Nf", value)</c> as glibc does it: the exact binary value rounded half-to-even. .NET's "F"
    /// format rounds decimal midpoints away from zero, which differs on values such as 0.25.
    /// </summary>
    public static string Fixed(double value, int decimals)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var bits = BitConverter.DoubleToInt64Bits(value);
        var negative = bits < 0;
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        exponent -= 1075;

        var numerator = new BigInteger(mantissa) * BigInteger.Pow(10, decimals);
        var denominator = BigInteger.One;
        if (exponent > 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }

        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient += 1;
        }

        var digits = quotient.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var text = new StringBuilder();
        if (negative)
        {
            text.Append('-');
        }

        text.Append(digits, 0, digits.Length - decimals);
        if (decimals > 0)
        {
            text.Append('.').Append(digits, digits.Length - decimals, decimals);
        }

        return text.ToString();
    }

    /// <summary>An integer as <c>%d</c>/<c>%lu</c> print it.</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An unsigned integer as <c>%lu</c>/<c>%llu</c> print it.</summary>
    public static string UInt(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
