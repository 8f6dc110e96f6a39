using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Virt.Qemu.CommandLine;

/// <summary>
/// Turns a tap that the argv has QEMU open by name into one passed as inherited fds, as libvirt passes every tap it
/// makes: the VMM worker creates the tap (on the bridge, up) before QEMU starts, and QEMU only uses it, so the tap goes
/// when QEMU's last fd closes, whoever ends it.
/// </summary>
public static class TapArgv
{
    // QEMU refuses these beside fd= or fds=: they describe how it would open the tap itself.
    private static readonly string[] _openOptions = ["ifname", "script", "downscript", "queues", "vnet_hdr", "helper"];

    /// <summary>
    /// Rewrites the <c>-netdev</c> tap named <paramref name="ifname"/> in <paramref name="argv"/> to take
    /// <paramref name="fds"/> (one per queue); false when the argv has no such tap.
    /// </summary>
    public static bool WithFds(IList<string> argv, string ifname, IReadOnlyList<int> fds)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(fds);
        ArgumentOutOfRangeException.ThrowIfZero(fds.Count);
        for (var i = 1; i < argv.Count; i++)
        {
            if (argv[i - 1] != "-netdev" || !argv[i].StartsWith('{') || Parse(argv[i]) is not { } netdev
                || (string?)netdev["type"] != "tap" || (string?)netdev["ifname"] != ifname)
            {
                continue;
            }
            foreach (var option in _openOptions)
            {
                netdev.Remove(option);
            }
            var numbers = fds.Select(fd => fd.ToString(CultureInfo.InvariantCulture)).ToList();
            if (numbers.Count == 1)
            {
                netdev["fd"] = numbers[0];
            }
            else
            {
                netdev["fds"] = string.Join(':', numbers);
            }
            argv[i] = netdev.ToJsonString();
            return true;
        }
        return false;
    }

    private static JsonObject? Parse(string argument)
    {
        try
        {
            return JsonNode.Parse(argument) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
