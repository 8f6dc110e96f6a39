using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>net-list, net-info, net-dumpxml (virsh-network.c). Network lookups report virsh's line and the
/// library's message.</summary>
internal static class NetworkCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("net-list", CommandGroup.Network, "list networks", "Returns list of networks.",
        [
            Opt.Flag("inactive", "list inactive networks"),
            Opt.Flag("all", "list inactive & active networks"),
            Opt.Flag("persistent", "list persistent networks"),
            Opt.Flag("transient", "list transient networks"),
            Opt.Flag("autostart", "list networks with autostart enabled"),
            Opt.Flag("no-autostart", "list networks with autostart disabled"),
            Opt.Flag("uuid", "list uuid's only"),
            Opt.Flag("name", "list network names only"),
            Opt.Flag("table", "list table (default)"),
        ], ListAsync),
        new("net-info", CommandGroup.Network, "network information", "Returns basic information about the network",
            [Opt.Network()], InfoAsync),
        new("net-dumpxml", CommandGroup.Network, "network information in XML", "Output the network information as an XML dump to stdout.",
            [Opt.Network(), Opt.Flag("inactive", "show inactive defined XML")], DumpXmlAsync),
    ];

    private static async Task<bool> ListAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        var connection = await c.ConnectionAsync(ct);
        var all = await connection.ListNetworksAsync(ct);
        // virsh's default is active networks only; the filters are its VIR_CONNECT_LIST_NETWORKS_* flags.
        var active = a.Bool("all") ? (bool?)null : a.Bool("inactive") ? false : true;
        var persistent = Pair(a, "persistent", "transient");
        var autostart = Pair(a, "autostart", "no-autostart");
        var networks = all.Where(n =>
            (active is null || n.Active == active) &&
            (persistent is null || n.Persistent == persistent) &&
            (autostart is null || n.Autostart == autostart)).ToList();
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("networks");
                foreach (var n in networks.OrderBy(n => n.Network.Name, Comparer<string>.Create(JsonOrder.Names)))
                {
                    WriteNetwork(w, n);
                }

                w.WriteEndArray();
            });
            return true;
        }

        var table = a.Bool("table");
        if (table && (a.Bool("name") || a.Bool("uuid")) || a.Bool("name") && a.Bool("uuid"))
        {
            throw VshError.Of(VirshErrors.NetListOneOf);
        }

        c.Finish(NetworkFormatter.List(networks.Select(Mapping.Row), new NetworkListOptions(a.Bool("name"), a.Bool("uuid")), c.Text));
        return true;
    }

    private static async Task<bool> InfoAsync(CommandContext c, CancellationToken ct)
    {
        var network = await LookupAsync(c, ct);
        if (c.Json)
        {
            c.WriteJson(w => WriteNetwork(w, network, inline: true));
            return true;
        }

        c.Finish(NetworkFormatter.NetInfo(
            new NetworkInfo(network.Network.Name, network.Network.Uuid, network.Active, network.Persistent, network.Autostart,
                string.IsNullOrEmpty(network.Bridge) ? null : network.Bridge),
            c.Text));
        return true;
    }

    private static async Task<bool> DumpXmlAsync(CommandContext c, CancellationToken ct)
    {
        var network = await LookupAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var xml = await connection.GetNetworkXmlAsync(network.Network.Uuid, c.Args.Bool("inactive"), ct);
        c.PrintXml(xml);

        return true;
    }

    /// <summary>virshCommandOptNetworkBy: by UUID or name; a miss prints virsh's line and libvirt's message.</summary>
    private static async Task<Proto.NetworkSummary> LookupAsync(CommandContext c, CancellationToken ct)
    {
        var name = c.Args.Required("network");
        var connection = await c.ConnectionAsync(ct);
        try
        {
            return (await connection.GetNetworkInfoAsync(name, ct)).Network;
        }
        catch (VirtClientException e)
        {
            // libvirt's lookup tries the UUID form, then the name; the error left is always the by-name one.
            throw e.Code == Grpc.Core.StatusCode.NotFound
                ? VshError.Replacing(e, VirshErrors.FailedToGetNetwork(name), VirshErrors.NoNetworkWithName(name))
                : VshError.FromClient(e, VirshErrors.FailedToGetNetwork(name));
        }
    }

    private static void WriteNetwork(System.Text.Json.Utf8JsonWriter w, Proto.NetworkSummary n, bool inline = false)
    {
        if (!inline)
        {
            w.WriteStartObject();
        }

        w.WriteString("name", n.Network.Name);
        w.WriteString("uuid", n.Network.Uuid);
        w.WriteBoolean("active", n.Active);
        w.WriteBoolean("persistent", n.Persistent);
        w.WriteBoolean("autostart", n.Autostart);
        w.StringOrNull("bridge", string.IsNullOrEmpty(n.Bridge) ? null : n.Bridge);
        if (!inline)
        {
            w.WriteEndObject();
        }
    }

    internal static bool? Pair(CommandArgs a, string yes, string no) => a.Bool(yes) == a.Bool(no) ? null : a.Bool(yes);
}
