using System.Globalization;

namespace Virt.Driver.Qemu;

/// <summary>
/// The host's IPv4 neighbour table as <c>/proc/net/arp</c> shows it (of virtd's network namespace), for domifaddr's
/// arp source. libvirt reads the same table over netlink (virArpTableGet).
/// </summary>
internal static class ArpTable
{
    public const string ProcPath = "/proc/net/arp";

    /// <summary>ATF_COM: the entry is complete (its MAC is known); incomplete ones show 00:00:00:00:00:00.</summary>
    private const int Complete = 0x2;

    /// <summary>
    /// The complete entries of a <c>/proc/net/arp</c> text (a header line, then "IP address, HW type, Flags,
    /// HW address, Mask, Device"), MACs lowercase; lines that do not parse are skipped.
    /// </summary>
    public static IReadOnlyList<(string Address, string Mac, string Device)> Parse(string text)
    {
        var entries = new List<(string, string, string)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || !fields[2].StartsWith("0x", StringComparison.Ordinal)
                || !int.TryParse(fields[2].AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var flags)
                || (flags & Complete) == 0)
            {
                continue;
            }
            entries.Add((fields[0], fields[3].ToLowerInvariant(), fields[5]));
        }
        return entries;
    }
}
