using System.Text.Json.Nodes;

namespace Virt.Qemu.CommandLine.Devices;

/// <summary>The <c>-netdev</c> objects; the same objects are what <c>netdev_add</c> takes for hotplug.</summary>
public static class NetdevProps
{
    /// <summary>User-mode networking (slirp).</summary>
    public static JsonObject User(string id) => new() { ["type"] = "user", ["id"] = id };

    /// <summary>
    /// An existing tap that QEMU opens by name (libvirt's unmanaged ethernet interface): nothing is created, configured
    /// or removed, and no script runs. Opening it needs the rights the tap's owner gave (root, or its user).
    /// </summary>
    public static JsonObject TapByName(string id, string ifname) => new()
    {
        ["type"] = "tap",
        ["id"] = id,
        ["ifname"] = ifname,
        ["script"] = "no",
        ["downscript"] = "no",
    };

    /// <summary>A tap device the driver opened and passed as fds (libvirt's way for every tap it makes).</summary>
    public static JsonObject Tap(string id, QemuTapFds fds)
    {
        ArgumentNullException.ThrowIfNull(fds);
        var netdev = new JsonObject { ["type"] = "tap" };
        if (fds.Tap.Count == 1)
        {
            netdev["fd"] = fds.Tap[0];
        }
        else
        {
            netdev["fds"] = string.Join(':', fds.Tap);
        }
        if (fds.Vhost.Count > 0)
        {
            netdev["vhost"] = true;
            if (fds.Vhost.Count == 1)
            {
                netdev["vhostfd"] = fds.Vhost[0];
            }
            else
            {
                netdev["vhostfds"] = string.Join(':', fds.Vhost);
            }
        }
        netdev["id"] = id;
        return netdev;
    }
}
