using System.Text.Json.Nodes;

namespace Virt.Qemu.CommandLine.Devices;

/// <summary>The <c>-netdev</c> objects; the same objects are what <c>netdev_add</c> takes for hotplug.</summary>
public static class NetdevProps
{
    /// <summary>User-mode networking (slirp).</summary>
    public static JsonObject User(string id) => new() { ["type"] = "user", ["id"] = id };

    /// <summary>
    /// A tap that QEMU opens by name, with no script: an existing one (libvirt's unmanaged ethernet interface), which
    /// needs the rights its owner gave (root, or its user), or one the driver's worker creates and turns into fds
    /// (<see cref="TapArgv.WithFds"/>). Run as it is, QEMU creates a missing tap itself (as root). More than one queue
    /// needs a multiqueue tap.
    /// </summary>
    public static JsonObject TapByName(string id, string ifname, uint queues = 1)
    {
        var netdev = new JsonObject
        {
            ["type"] = "tap",
            ["id"] = id,
            ["ifname"] = ifname,
            ["script"] = "no",
            ["downscript"] = "no",
        };
        if (queues > 1)
        {
            netdev["queues"] = queues;
        }
        return netdev;
    }

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
