using System.Text;

namespace Virt.Cli.Output;

/// <summary>
/// virsh's domain commands: <c>list</c>, <c>dominfo</c>, <c>domstate</c> (tools/virsh-domain-monitor.c) and
/// <c>domid</c>, <c>domuuid</c>, <c>domname</c> (tools/virsh-domain.c). Each returns the command's whole stdout,
/// including the blank line non-interactive virsh prints after every command.
/// </summary>
public static class DomainFormatter
{
    /// <summary><c>virsh list</c> over the domains the chosen filters selected, sorted as virsh sorts them.</summary>
    /// <exception cref="ArgumentException">For option pairs virsh refuses; see <see cref="VirshErrors.MutuallyExclusive"/>.</exception>
    public static string List(IEnumerable<DomainRow> domains, DomainListOptions? options = null, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var o = options ?? DomainListOptions.Default;
        if (o.Table && o.Name)
        {
            throw new ArgumentException(VirshErrors.MutuallyExclusive("table", "name"), nameof(options));
        }

        if (o.Table && o.Id)
        {
            throw new ArgumentException(VirshErrors.MutuallyExclusive("table", "id"), nameof(options));
        }

        // virsh 9.0 refuses this pair too (later versions add a UUID column instead).
        if (o.Table && o.Uuid)
        {
            throw new ArgumentException(VirshErrors.MutuallyExclusive("table", "uuid"), nameof(options));
        }

        var sorted = domains.ToList();
        sorted.Sort(VirshSort.Domains);
        var text = new TextBuilder(output);
        var table = o.Table || (!o.Uuid && !o.Name && !o.Id);

        if (table)
        {
            var grid = o.Title ? new VirshTable("Id", "Name", "State", "Title") : new VirshTable("Id", "Name", "State");

            foreach (var d in sorted)
            {
                var state = o.ManagedSave && d.State == DomainState.Shutoff && d.HasManagedSave
                    ? "saved"
                    : DomainStateNames.State(d.State);
                if (o.Title)
                {
                    grid.AddRow(IdText(d.Id), d.Name, state, d.Title ?? "");
                }
                else
                {
                    grid.AddRow(IdText(d.Id), d.Name, state);
                }
            }

            return text.Table(grid).Finish();
        }

        foreach (var d in sorted)
        {
            var line = new StringBuilder();
            var sep = "";
            if (o.Uuid)
            {
                line.Append(d.Uuid);
                sep = " ";
            }

            if (o.Id)
            {
                // --id alone lists running domains only.
                if (d.Id is null && !o.Uuid && !o.Name)
                {
                    continue;
                }

                line.Append(sep).Append(IdText(d.Id));
                sep = " ";
            }

            if (o.Name)
            {
                line.Append(sep).Append(d.Name);
            }

            text.Line(line.ToString());
        }

        return text.Finish();
    }

    /// <summary><c>virsh dominfo DOMAIN</c>.</summary>
    public static string DomInfo(DomainInfo info, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        var text = new TextBuilder(output);
        text.Field("Id:", IdText(info.Id)).Field("Name:", info.Name);
        if (info.Uuid is not null)
        {
            text.Field("UUID:", info.Uuid);
        }

        if (info.OsType is not null)
        {
            text.Field("OS Type:", info.OsType);
        }

        text.Field("State:", DomainStateNames.State(info.State)).Field("CPU(s):", CFormat.Int(info.Cpus));
        if (info.CpuTimeNanoseconds != 0)
        {
            text.Field("CPU time:", CFormat.Fixed(info.CpuTimeNanoseconds / 1000000000.0, 1) + "s");
        }

        text.Field(
            "Max memory:",
            info.MaxMemoryKiB is { } max && max != uint.MaxValue ? CFormat.UInt(max) + " KiB" : "no limit");
        text.Field("Used memory:", CFormat.UInt(info.UsedMemoryKiB) + " KiB");
        text.Field("Persistent:", YesNo(info.Persistent, "unknown"));
        if (info.Autostart is { } autostart)
        {
            text.Field("Autostart:", autostart ? "enable" : "disable");
        }

        text.Field("Managed save:", YesNo(info.ManagedSave, "unknown"));
        if (!string.IsNullOrEmpty(info.SecurityModel))
        {
            text.Field("Security model:", info.SecurityModel).Field("Security DOI:", info.SecurityDoi);
            if (!string.IsNullOrEmpty(info.SecurityLabel))
            {
                text.Field(
                    "Security label:",
                    $"{info.SecurityLabel} ({(info.SecurityLabelEnforcing ? "enforcing" : "permissive")})");
            }
        }

        if (info.Messages is { } messages)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                text.Field(i == 0 ? "Messages:" : "", messages[i]);
            }
        }

        return text.Finish();
    }

    /// <summary><c>virsh domstate DOMAIN</c>, or with <paramref name="showReason"/> <c>virsh domstate --reason DOMAIN</c>.</summary>
    public static string DomState(DomainState state, int reason, bool showReason, VirshOutputOptions? output = null)
    {
        var line = showReason
            ? $"{DomainStateNames.State(state)} ({DomainStateNames.Reason(state, reason)})"
            : DomainStateNames.State(state);
        return new TextBuilder(output).Line(line).Finish();
    }

    /// <summary><c>virsh domid DOMAIN</c>: the id, or "-" for an inactive domain.</summary>
    public static string DomId(int? id, VirshOutputOptions? output = null) =>
        new TextBuilder(output).Line(IdText(id)).Finish();

    /// <summary><c>virsh domuuid DOMAIN</c>.</summary>
    public static string DomUuid(string uuid, VirshOutputOptions? output = null) =>
        new TextBuilder(output).Line(uuid).Finish();

    /// <summary><c>virsh domname DOMAIN</c>.</summary>
    public static string DomName(string name, VirshOutputOptions? output = null) =>
        new TextBuilder(output).Line(name).Finish();

    private static string IdText(int? id) => id is { } v ? CFormat.Int(v) : "-";

    private static string YesNo(bool? value, string unknown) => value switch
    {
        true => "yes",
        false => "no",
        null => unknown,
    };
}
