namespace Virt.Cli.Output;

/// <summary>virsh's <c>vshPrettyCapacity</c> (tools/vsh.c) followed by <c>"%.2lf %s"</c>, as pool-list and pool-info print sizes.</summary>
public static class Capacity
{
    private static readonly string[] _units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>The byte count scaled to the largest binary unit below it, e.g. <c>100.00 GiB</c>, <c>0.00 B</c>.</summary>
    public static string Format(ulong bytes) => Format(bytes, 2);

    /// <summary>As <see cref="Format(ulong)"/> with <paramref name="decimals"/> decimals (domjobinfo prints <c>%.3lf</c>).</summary>
    public static string Format(ulong bytes, int decimals)
    {
        // vshPrettyCapacity compares in double, so the boundaries round exactly as virsh's do.
        var value = (double)bytes;
        var limit = 1024.0;
        var unit = 0;
        while (unit < _units.Length - 1 && value >= limit)
        {
            limit *= 1024;
            unit++;
        }

        var scaled = unit == 0 ? value : value / (limit / 1024);
        return CFormat.Fixed(scaled, decimals) + " " + _units[unit];
    }
}
