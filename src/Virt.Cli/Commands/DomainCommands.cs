using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>Domain inspection: list, dominfo, domstate, domid, domname, domuuid, dumpxml, domxml-to-native
/// (virsh-domain-monitor.c, virsh-domain.c).</summary>
internal static class DomainCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("list", CommandGroup.Monitor, "list domains", "Returns list of domains.",
        [
            Opt.Flag("inactive", "list inactive domains"),
            Opt.Flag("all", "list inactive & active domains"),
            Opt.Flag("transient", "list transient domains"),
            Opt.Flag("persistent", "list persistent domains"),
            Opt.Flag("with-snapshot", "list domains with existing snapshot"),
            Opt.Flag("without-snapshot", "list domains without a snapshot"),
            Opt.Flag("with-checkpoint", "list domains with existing checkpoint"),
            Opt.Flag("without-checkpoint", "list domains without a checkpoint"),
            Opt.Flag("state-running", "list domains in running state"),
            Opt.Flag("state-paused", "list domains in paused state"),
            Opt.Flag("state-shutoff", "list domains in shutoff state"),
            Opt.Flag("state-other", "list domains in other states"),
            Opt.Flag("autostart", "list domains with autostart enabled"),
            Opt.Flag("no-autostart", "list domains with autostart disabled"),
            Opt.Flag("with-managed-save", "list domains with managed save state"),
            Opt.Flag("without-managed-save", "list domains without managed save"),
            Opt.Flag("uuid", "list uuid's only"),
            Opt.Flag("name", "list domain names only"),
            Opt.Flag("id", "list domain IDs only"),
            Opt.Flag("table", "list table (default)"),
            Opt.Flag("managed-save", "mark inactive domains with managed save state"),
            Opt.Flag("title", "show domain title"),
        ], ListAsync),
        new("dominfo", CommandGroup.Monitor, "domain information", "Returns basic information about the domain.",
            [Opt.Domain()], DomInfoAsync),
        new("domstate", CommandGroup.Monitor, "domain state", "Returns state about a domain.",
            [Opt.Domain(), Opt.Flag("reason", "also print reason for the state")], DomStateAsync),
        new("domid", CommandGroup.Domain, "convert a domain name or UUID to domain id", "Converts a domain name or UUID to domain id.",
            [Opt.Domain("domain name or uuid")], (c, ct) => IdentityAsync(c, DomainBy.Name | DomainBy.Uuid, "id", ct)),
        new("domname", CommandGroup.Domain, "convert a domain id or UUID to domain name", "Converts a domain id or UUID to domain name.",
            [Opt.Domain("domain id or uuid")], (c, ct) => IdentityAsync(c, DomainBy.Id | DomainBy.Uuid, "name", ct)),
        new("domuuid", CommandGroup.Domain, "convert a domain name or id to domain UUID", "Converts a domain name or id to domain UUID.",
            [Opt.Domain("domain id or name")], (c, ct) => IdentityAsync(c, DomainBy.Id | DomainBy.Name, "uuid", ct)),
        new("dumpxml", CommandGroup.Domain, "domain information in XML", "Output the domain information as an XML dump to stdout.",
        [
            Opt.Domain(),
            Opt.Flag("inactive", "show inactive defined XML"),
            Opt.Flag("security-info", "include security sensitive information in XML dump"),
            Opt.Flag("update-cpu", "update guest CPU according to host CPU"),
            Opt.Flag("migratable", "provide XML suitable for migrations"),
        ], DumpXmlAsync),
        new("domxml-to-native", CommandGroup.Domain, "Convert domain XML to native config", "Convert domain XML config to a native guest configuration format.",
        [
            new("format", OptionKind.String, "target config data type format", Required: true),
            new("domain", OptionKind.String, "domain name, id or uuid") { NamedOnly = true },
            // virsh lists it as --xml, yet takes it by position too (an optional string after a named-only one).
            new("xml", OptionKind.String, "xml data file to export from"),
        ], DomXmlToNativeAsync),
    ];

    private static async Task<bool> ListAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        var options = new DomainListOptions(a.Bool("name"), a.Bool("uuid"), a.Bool("id"), a.Bool("title"), a.Bool("table"), a.Bool("managed-save"));
        var filter = new Proto.DomainListFilter();
        // virsh's default is active domains only; --all lists both; --inactive alone lists the inactive ones.
        if (!a.Bool("all") && !a.Bool("inactive"))
        {
            filter.Active = true;
        }
        else if (!a.Bool("all"))
        {
            filter.Active = false;
        }

        SetPair(a, "persistent", "transient", v => filter.Persistent = v);
        SetPair(a, "autostart", "no-autostart", v => filter.Autostart = v);
        SetPair(a, "with-managed-save", "without-managed-save", v => filter.HasManagedSave = v);
        SetPair(a, "with-snapshot", "without-snapshot", v => filter.HasSnapshot = v);
        SetPair(a, "with-checkpoint", "without-checkpoint", v => filter.HasCheckpoint = v);
        foreach (var (name, state) in new[]
        {
            ("state-running", Proto.DomainStateFilter.Running),
            ("state-paused", Proto.DomainStateFilter.Paused),
            ("state-shutoff", Proto.DomainStateFilter.Shutoff),
            ("state-other", Proto.DomainStateFilter.Other),
        })
        {
            if (a.Bool(name))
            {
                filter.States.Add(state);
            }
        }

        var connection = await c.ConnectionAsync(ct);
        var domains = await connection.ListDomainsAsync(filter, ct);
        if (c.Json)
        {
            var sorted = domains.Select(d => (Row: Mapping.Row(d), Summary: d)).ToList();
            sorted.Sort((x, y) => JsonOrder.Domains(x.Row, y.Row));
            c.WriteJson(w =>
            {
                w.WriteStartArray("domains");
                foreach (var (_, d) in sorted)
                {
                    w.WriteStartObject();
                    w.NumberOrNull("id", Mapping.Id(d.Domain));
                    w.WriteString("name", d.Domain.Name);
                    w.WriteString("uuid", d.Domain.Uuid);
                    w.WriteState(d.Status);
                    w.WriteBoolean("persistent", d.Persistent);
                    w.WriteBoolean("autostart", d.Autostart);
                    w.WriteBoolean("managed_save", d.HasManagedSave);
                    w.WriteString("title", d.Title);
                    w.WriteNumber("vcpus", d.Vcpus);
                    w.WriteNumber("max_memory_kib", d.MaxMemoryKib);
                    w.WriteNumber("memory_kib", d.MemoryKib);
                    w.WriteNumber("cpu_time_ns", d.CpuTimeNs);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return true;
        }

        try
        {
            c.Finish(DomainFormatter.List(domains.Select(Mapping.Row), options, c.Text));
        }
        catch (ArgumentException e)
        {
            throw VshError.Of(ArgumentMessage(e));
        }

        return true;
    }

    private static async Task<bool> DomInfoAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var info = await connection.GetDomainInfoAsync(domain.Domain.Uuid, ct);
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.NumberOrNull("id", Mapping.Id(info.Domain));
                w.WriteString("name", info.Domain.Name);
                w.WriteString("uuid", info.Domain.Uuid);
                w.WriteString("os_type", info.OsType);
                w.WriteState(info.Status);
                w.WriteNumber("cpus", info.Vcpus);
                w.WriteNumber("cpu_time_ns", info.CpuTimeNs);
                w.WriteNumber("max_memory_kib", info.MaxMemoryKib);
                w.WriteNumber("used_memory_kib", info.MemoryKib);
                w.WriteBoolean("persistent", info.Persistent);
                w.WriteBoolean("autostart", info.Autostart);
                w.WriteBoolean("managed_save", info.HasManagedSave);
                w.WriteString("title", info.Title);
                w.WriteStartArray("security");
                foreach (var label in info.SecurityLabels)
                {
                    w.WriteStartObject();
                    w.WriteString("model", label.Model);
                    w.WriteString("doi", label.Doi);
                    w.WriteString("label", label.Label);
                    w.WriteBoolean("enforcing", label.Enforcing);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return true;
        }

        c.Finish(DomainFormatter.DomInfo(Mapping.Info(info), c.Text));
        return true;
    }

    private static async Task<bool> DomStateAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var status = await connection.GetDomainStateAsync(domain.Domain.Uuid, ct);
        if (c.Json)
        {
            c.WriteJson(w => w.WriteState(status));
            return true;
        }

        c.Finish(DomainFormatter.DomState(Mapping.State(status), status.Reason, c.Args.Bool("reason"), c.Text));
        return true;
    }

    // domid, domname and domuuid differ only in which forms they accept and what they print.
    private static async Task<bool> IdentityAsync(CommandContext c, DomainBy by, string field, CancellationToken ct)
    {
        var domain = (await Lookup.DomainAsync(c, ct, by)).Domain;
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                switch (field)
                {
                    case "id":
                        w.NumberOrNull("id", Mapping.Id(domain));
                        break;
                    case "name":
                        w.WriteString("name", domain.Name);
                        break;
                    default:
                        w.WriteString("uuid", domain.Uuid);
                        break;
                }
            });
            return true;
        }

        c.Finish(field switch
        {
            "id" => DomainFormatter.DomId(Mapping.Id(domain), c.Text),
            "name" => DomainFormatter.DomName(domain.Name, c.Text),
            _ => DomainFormatter.DomUuid(domain.Uuid, c.Text),
        });
        return true;
    }

    private static async Task<bool> DumpXmlAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var reply = await connection.Domains.GetDomainXmlAsync(
            new Proto.GetDomainXmlRequest
            {
                Domain = new Proto.DomainRef { Uuid = domain.Domain.Uuid },
                Inactive = c.Args.Bool("inactive"),
                SecurityInfo = c.Args.Bool("security-info"),
                UpdateCpu = c.Args.Bool("update-cpu"),
                Migratable = c.Args.Bool("migratable"),
            },
            cancellationToken: ct);
        if (c.Json)
        {
            c.WriteJson(w => w.WriteString("xml", reply.Xml));
        }
        else
        {
            c.Print(reply.Xml);
        }

        return true;
    }

    /// <summary>virsh-domain.c cmdDomXMLToNative: the XML from a file, or a domain's current XML (without secrets).</summary>
    private static async Task<bool> DomXmlToNativeAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        a.Exclusive("domain", "xml");
        var connection = await c.ConnectionAsync(ct);
        string xml;
        if (a.Has("domain"))
        {
            var domain = await Lookup.DomainAsync(c, ct);
            xml = await connection.GetDomainXmlAsync(domain.Domain.Uuid, ct: ct);
        }
        else if (a.String("xml") is { } file)
        {
            xml = await XmlFiles.ReadAsync(file, ct);
        }
        else
        {
            throw VshError.Of("need either domain or domain XML");
        }

        var native = await connection.ConvertDomainXmlToNativeAsync(a.Required("format"), xml, ct);
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("argv");
                foreach (var argument in native.Argv)
                {
                    w.WriteStringValue(argument);
                }

                w.WriteEndArray();
                w.WriteStartObject("env");
                foreach (var (name, value) in native.Env.OrderBy(v => v.Key, StringComparer.Ordinal))
                {
                    w.WriteString(name, value);
                }

                w.WriteEndObject();
                w.WriteString("native_config", native.NativeConfig);
            });
        }
        else
        {
            c.Print(native.NativeConfig + "\n");
        }

        return true;
    }

    // A --x/--no-x pair: one sets the filter, both or neither leave it unset (virsh ORs the flags).
    private static void SetPair(CommandArgs a, string yes, string no, Action<bool> set)
    {
        if (a.Bool(yes) != a.Bool(no))
        {
            set(a.Bool(yes));
        }
    }

    // The formatters' ArgumentException carries virsh's text, with the parameter name appended by .NET.
    internal static string ArgumentMessage(ArgumentException e) =>
        e.ParamName is { } p && e.Message.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal)
            ? e.Message[..^$" (Parameter '{p}')".Length]
            : e.Message;
}
