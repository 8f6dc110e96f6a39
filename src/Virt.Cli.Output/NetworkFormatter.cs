namespace Virt.Cli.Output;

/// <summary>virsh's <c>net-list</c> and <c>net-info</c> (tools/virsh-network.c).</summary>
public static class NetworkFormatter
{
    /// <summary><c>virsh net-list</c> over the networks the chosen filters selected, sorted as virsh sorts them.</summary>
    /// <exception cref="ArgumentException">For <c>--name</c> with <c>--uuid</c>, which virsh refuses.</exception>
    public static string List(IEnumerable<NetworkRow> networks, NetworkListOptions? options = null, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(networks);
        var o = options ?? NetworkListOptions.Default;
        if (o.Name && o.Uuid)
        {
            throw new ArgumentException(VirshErrors.NetListOneOf, nameof(options));
        }

        var sorted = networks.ToList();
        sorted.Sort((a, b) => VirshSort.CaseInsensitive(a.Name, b.Name));
        var text = new TextBuilder(output);
        if (o.Uuid || o.Name)
        {
            foreach (var n in sorted)
            {
                text.Line(o.Uuid ? n.Uuid : n.Name);
            }

            return text.Finish();
        }

        var table = new VirshTable("Name", "State", "Autostart", "Persistent");
        foreach (var n in sorted)
        {
            table.AddRow(
                n.Name,
                n.Active ? "active" : "inactive",
                n.Autostart switch { true => "yes", false => "no", null => "no autostart" },
                n.Persistent ? "yes" : "no");
        }

        return text.Table(table).Finish();
    }

    /// <summary><c>virsh net-info NETWORK</c>.</summary>
    public static string NetInfo(NetworkInfo info, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        var text = new TextBuilder(output).Field("Name:", info.Name);
        if (info.Uuid is not null)
        {
            text.Field("UUID:", info.Uuid);
        }

        if (info.Active is { } active)
        {
            text.Field("Active:", active ? "yes" : "no");
        }

        text.Field("Persistent:", info.Persistent switch { true => "yes", false => "no", null => "unknown" });
        text.Field("Autostart:", info.Autostart switch { true => "yes", false => "no", null => "no autostart" });
        if (info.Bridge is not null)
        {
            text.Field("Bridge:", info.Bridge);
        }

        return text.Finish();
    }
}
