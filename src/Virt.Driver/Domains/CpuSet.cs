using System.Globalization;
using System.Text;

namespace Virt.Driver;

/// <summary>
/// libvirt's cpuset syntax (<c>0-3,^2,6</c>): the lists virsh's vcpupin/emulatorpin take, the kernel prints as
/// <c>Cpus_allowed_list</c>, and definitions keep in <c>cpuset</c> attributes.
/// </summary>
public static class CpuSet
{
    /// <summary>The largest CPU number accepted (libvirt's VIR_DOMAIN_CPUMASK_LEN).</summary>
    public const uint MaxCpu = 16383;

    /// <summary>Parses a list; null when it is not one (empty, a bad number or range, or nothing left after exclusions).</summary>
    public static IReadOnlyList<uint>? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var included = new SortedSet<uint>();
        var excluded = new HashSet<uint>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var exclude = part.StartsWith('^');
            if (exclude)
            {
                part = part[1..];
            }
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (!TryNumber(dash < 0 ? part : part[..dash], out var first))
            {
                return null;
            }
            var last = first;
            if (dash >= 0 && (exclude || !TryNumber(part[(dash + 1)..], out last) || last < first))
            {
                return null;
            }
            for (var cpu = first; cpu <= last; cpu++)
            {
                if (exclude)
                {
                    excluded.Add(cpu);
                }
                else
                {
                    included.Add(cpu);
                }
            }
        }
        included.ExceptWith(excluded);
        return included.Count == 0 ? null : [.. included];
    }

    /// <summary>Formats ascending CPUs as ranges, as libvirt and the kernel do: <c>0-3,6</c>.</summary>
    public static string Format(IEnumerable<uint> cpus)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        var sorted = cpus.Distinct().Order().ToList();
        var text = new StringBuilder();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            if (text.Length > 0)
            {
                text.Append(',');
            }
            text.Append(sorted[i].ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                text.Append('-').Append(sorted[j].ToString(CultureInfo.InvariantCulture));
            }
            i = j + 1;
        }
        return text.ToString();
    }

    private static bool TryNumber(string text, out uint value) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= MaxCpu;
}
