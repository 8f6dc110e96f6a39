namespace Virt.Domain;

/// <summary>
/// libvirt's scaled-integer units (<c>virScaleInteger</c>): <c>b</c>/<c>byte</c>/<c>bytes</c>, then a power letter
/// K, M, G, T, P or E alone or followed by <c>iB</c> (powers of 1024) or followed by <c>B</c> (powers of 1000).
/// Matching is case-insensitive, as in libvirt, so <c>k</c>, <c>KiB</c> and <c>kib</c> are all 1024.
/// </summary>
public static class SizeUnits
{
    /// <summary>Largest byte count accepted anywhere; libvirt caps scaled values at <c>LLONG_MAX</c>.</summary>
    public const ulong MaxBytes = long.MaxValue;

    /// <summary>The unit names listed in error messages.</summary>
    public const string Allowed = "b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T, TiB, PB, P, PiB, EB, E, EiB";

    /// <summary>Finds the multiplier of a unit.</summary>
    /// <param name="unit">The unit as written in XML.</param>
    /// <param name="scale">Bytes per unit.</param>
    /// <returns>Whether the unit is known.</returns>
    public static bool TryGetScale(string unit, out ulong scale)
    {
        ArgumentNullException.ThrowIfNull(unit);
        scale = 0;
        if (unit.Equals("b", StringComparison.OrdinalIgnoreCase)
            || unit.Equals("byte", StringComparison.OrdinalIgnoreCase)
            || unit.Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            scale = 1;
            return true;
        }
        if (unit.Length == 0)
        {
            return false;
        }
        ulong radix;
        if (unit.Length == 1 || unit[1..].Equals("iB", StringComparison.OrdinalIgnoreCase))
        {
            radix = 1024;
        }
        else if (unit.Length == 2 && char.ToLowerInvariant(unit[1]) == 'b')
        {
            radix = 1000;
        }
        else
        {
            return false;
        }
        var power = char.ToLowerInvariant(unit[0]) switch
        {
            'k' => 1,
            'm' => 2,
            'g' => 3,
            't' => 4,
            'p' => 5,
            'e' => 6,
            _ => 0,
        };
        if (power == 0)
        {
            return false;
        }
        scale = 1;
        for (var i = 0; i < power; i++)
        {
            scale *= radix;
        }
        return true;
    }

    /// <summary>Converts a value in a unit to bytes.</summary>
    /// <param name="value">The number as written.</param>
    /// <param name="unit">The unit as written.</param>
    /// <param name="bytes">The size in bytes.</param>
    /// <returns>False when the unit is unknown or the result exceeds <see cref="MaxBytes"/>.</returns>
    public static bool TryToBytes(ulong value, string unit, out ulong bytes)
    {
        bytes = 0;
        if (!TryGetScale(unit, out var scale))
        {
            return false;
        }
        if (value != 0 && scale > MaxBytes / value)
        {
            return false;
        }
        bytes = value * scale;
        return true;
    }

    /// <summary>Converts bytes to KiB rounding up, as libvirt does for guest memory sizes.</summary>
    /// <param name="bytes">A byte count.</param>
    /// <returns>The KiB count.</returns>
    public static ulong BytesToKiBRoundUp(ulong bytes) => (bytes / 1024) + (bytes % 1024 == 0 ? 0UL : 1UL);
}
