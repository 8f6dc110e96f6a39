using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>pool-list, pool-info, pool-dumpxml (virsh-pool.c).</summary>
internal static class PoolCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("pool-list", CommandGroup.Pool, "list pools", "Returns list of pools.",
        [
            Opt.Flag("inactive", "list inactive pools"),
            Opt.Flag("all", "list inactive & active pools"),
            Opt.Flag("transient", "list transient pools"),
            Opt.Flag("persistent", "list persistent pools"),
            Opt.Flag("autostart", "list pools with autostart enabled"),
            Opt.Flag("no-autostart", "list pools with autostart disabled"),
            new("type", OptionKind.String, "only list pool of specified type(s) (if supported)"),
            Opt.Flag("details", "display extended details for pools"),
            Opt.Flag("uuid", "list UUID of active pools only"),
            Opt.Flag("name", "list name of active pools only"),
        ], ListAsync),
        new("pool-info", CommandGroup.Pool, "storage pool information", "Returns basic information about the storage pool.",
            [Opt.Pool()], InfoAsync),
        new("pool-dumpxml", CommandGroup.Pool, "pool information in XML", "Output the pool information as an XML dump to stdout.",
            [Opt.Pool(), Opt.Flag("inactive", "show inactive defined XML")], DumpXmlAsync),
    ];

    private static async Task<bool> ListAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        a.Exclusive("details", "uuid");
        a.Exclusive("details", "name");
        var types = a.String("type")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var connection = await c.ConnectionAsync(ct);
        var all = await connection.ListPoolsAsync(ct);
        var active = a.Bool("all") ? (bool?)null : a.Bool("inactive") ? false : true;
        var persistent = NetworkCommands.Pair(a, "persistent", "transient");
        var autostart = NetworkCommands.Pair(a, "autostart", "no-autostart");
        var pools = all.Where(p =>
            (active is null || (p.State != Proto.StoragePoolState.Inactive) == active) &&
            (persistent is null || p.Persistent == persistent) &&
            (autostart is null || p.Autostart == autostart) &&
            (types is null || types.Contains(p.Type, StringComparer.Ordinal))).ToList();
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("pools");
                foreach (var p in pools.OrderBy(p => p.Pool.Name, Comparer<string>.Create(JsonOrder.Names)))
                {
                    w.WriteStartObject();
                    WritePool(w, p);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return true;
        }

        c.Finish(PoolFormatter.List(pools.Select(Mapping.Row), new PoolListOptions(a.Bool("details"), a.Bool("name"), a.Bool("uuid")), c.Text));
        return true;
    }

    private static async Task<bool> InfoAsync(CommandContext c, CancellationToken ct)
    {
        var pool = await LookupAsync(c, ct);
        if (c.Json)
        {
            c.WriteJson(w => WritePool(w, pool));
            return true;
        }

        c.Finish(PoolFormatter.PoolInfo(Mapping.Row(pool), c.Text));
        return true;
    }

    private static async Task<bool> DumpXmlAsync(CommandContext c, CancellationToken ct)
    {
        var pool = await LookupAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var xml = await connection.GetPoolXmlAsync(pool.Pool.Uuid, c.Args.Bool("inactive"), ct);
        c.PrintXml(xml);

        return true;
    }

    /// <summary>virshCommandOptPoolBy: by UUID or name; a miss prints virsh's line and libvirt's message.</summary>
    internal static async Task<Proto.PoolSummary> LookupAsync(CommandContext c, CancellationToken ct, string option = "pool")
    {
        var name = c.Args.Required(option);
        var connection = await c.ConnectionAsync(ct);
        try
        {
            return await connection.LookupPoolAsync(name, ct);
        }
        catch (VirtClientException e)
        {
            // libvirt's lookup tries the UUID form, then the name; the error left is always the by-name one.
            throw e.Code == Grpc.Core.StatusCode.NotFound
                ? VshError.Replacing(e, VirshErrors.FailedToGetPool(name), VirshErrors.NoStoragePoolWithName(name))
                : VshError.FromClient(e, VirshErrors.FailedToGetPool(name));
        }
    }

    internal static void WritePool(System.Text.Json.Utf8JsonWriter w, Proto.PoolSummary p)
    {
        w.WriteString("name", p.Pool.Name);
        w.WriteString("uuid", p.Pool.Uuid);
        w.WriteString("state", PoolFormatter.StateText(Mapping.State(p.State)));
        w.WriteBoolean("persistent", p.Persistent);
        w.WriteBoolean("autostart", p.Autostart);
        w.WriteString("type", p.Type);
        w.WriteString("target_path", p.TargetPath);
        w.WriteNumber("capacity_bytes", p.CapacityBytes);
        w.WriteNumber("allocation_bytes", p.AllocationBytes);
        w.WriteNumber("available_bytes", p.AvailableBytes);
        w.WriteNumber("volume_count", p.VolumeCount);
    }
}
