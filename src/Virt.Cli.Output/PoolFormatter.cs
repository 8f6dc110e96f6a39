namespace Virt.Cli.Output;

/// <summary>virsh's <c>pool-list</c> and <c>pool-info</c> (tools/virsh-pool.c).</summary>
public static class PoolFormatter
{
    /// <summary><c>virsh pool-list</c> over the pools the chosen filters selected, sorted as virsh sorts them.</summary>
    /// <exception cref="ArgumentException">For <c>--details</c> with <c>--name</c> or <c>--uuid</c>, which virsh refuses.</exception>
    public static string List(IEnumerable<PoolRow> pools, PoolListOptions? options = null, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var o = options ?? PoolListOptions.Default;
        if (o.Details && o.Name)
        {
            throw new ArgumentException(VirshErrors.MutuallyExclusive("details", "name"), nameof(options));
        }

        if (o.Details && o.Uuid)
        {
            throw new ArgumentException(VirshErrors.MutuallyExclusive("details", "uuid"), nameof(options));
        }

        var sorted = pools.ToList();
        sorted.Sort((a, b) => VirshSort.CaseInsensitive(a.Name, b.Name));
        var text = new TextBuilder(output);

        if (o.Uuid || o.Name)
        {
            // The fixed-width "%-36s%c" / "%-20s\n" of the pre-table pool-list, trailing spaces and all.
            foreach (var p in sorted)
            {
                if (o.Uuid)
                {
                    text.Raw(p.Uuid.PadRight(36)).Raw(o.Name ? " " : "\n");
                }

                if (o.Name)
                {
                    text.Raw(PadBytes(p.Name, 20)).Raw("\n");
                }
            }

            return text.Finish();
        }

        if (!o.Details)
        {
            var basic = new VirshTable("Name", "State", "Autostart");
            foreach (var p in sorted)
            {
                basic.AddRow(p.Name, p.State == StoragePoolState.Inactive ? "inactive" : "active", AutostartText(p.Autostart));
            }

            return text.Table(basic).Finish();
        }

        var details = new VirshTable("Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available");
        foreach (var p in sorted)
        {
            var sized = HasSizes(p.State);
            details.AddRow(
                p.Name,
                StateText(p.State),
                AutostartText(p.Autostart),
                PersistentText(p.Persistent),
                sized ? Capacity.Format(p.Capacity) : "-",
                sized ? Capacity.Format(p.Allocation) : "-",
                sized ? Capacity.Format(p.Available) : "-");
        }

        return text.Table(details).Finish();
    }

    /// <summary><c>virsh pool-info POOL</c>.</summary>
    public static string PoolInfo(PoolRow pool, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var text = new TextBuilder(output)
            .Field("Name:", pool.Name)
            .Field("UUID:", pool.Uuid)
            .Field("State:", StateText(pool.State))
            .Field("Persistent:", PersistentText(pool.Persistent))
            .Field("Autostart:", AutostartText(pool.Autostart));
        if (HasSizes(pool.State))
        {
            text.Field("Capacity:", Capacity.Format(pool.Capacity))
                .Field("Allocation:", Capacity.Format(pool.Allocation))
                .Field("Available:", Capacity.Format(pool.Available));
        }

        return text.Finish();
    }

    /// <summary>virshStoragePoolStateToString.</summary>
    public static string StateText(StoragePoolState state) => state switch
    {
        StoragePoolState.Inactive => "inactive",
        StoragePoolState.Building => "building",
        StoragePoolState.Running => "running",
        StoragePoolState.Degraded => "degraded",
        StoragePoolState.Inaccessible => "inaccessible",
        _ => "unknown",
    };

    private static bool HasSizes(StoragePoolState state) =>
        state is StoragePoolState.Running or StoragePoolState.Degraded;

    private static string AutostartText(bool? autostart) =>
        autostart switch { true => "yes", false => "no", null => "no autostart" };

    private static string PersistentText(bool? persistent) =>
        persistent switch { true => "yes", false => "no", null => "unknown" };

    // printf pads %-20s by bytes, not characters, so a non-ASCII name gets fewer trailing spaces.
    private static string PadBytes(string s, int width)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(s);
        return bytes >= width ? s : s + new string(' ', width - bytes);
    }
}
