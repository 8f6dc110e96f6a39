using System.Globalization;
using System.Text;
using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Virt.Client;
using Virt.Driver;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>Resources and statistics of running domains: setmem, setmaxmem, setvcpus, vcpupin, emulatorpin, domstats,
/// domblkstat, domifstat, dommemstat, send-key (virsh-domain.c, virsh-domain-monitor.c). Setting commands print
/// nothing on success, as virsh; their failures are the library's message alone unless virsh adds a line.</summary>
internal static class DomainRuntimeCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("setmem", CommandGroup.Domain, "change memory allocation", "Change the current memory allocation in the guest domain.",
        [
            Opt.Domain(),
            new("size", OptionKind.Number, "new memory size, as scaled integer (default KiB)", Required: true),
            Opt.Flag("config", "affect next boot"), Opt.Flag("live", "affect running domain"), Opt.Flag("current", "affect current domain"),
        ], SetMemAsync),
        new("setmaxmem", CommandGroup.Domain, "change maximum memory limit", "Change the maximum memory allocation limit in the guest domain.",
        [
            Opt.Domain(),
            new("size", OptionKind.Number, "new maximum memory size, as scaled integer (default KiB)", Required: true),
            Opt.Flag("config", "affect next boot"), Opt.Flag("live", "affect running domain"), Opt.Flag("current", "affect current domain"),
        ], SetMaxMemAsync),
        new("setvcpus", CommandGroup.Domain, "change number of virtual CPUs", "Change the number of virtual CPUs in the guest domain.",
        [
            Opt.Domain(),
            new("count", OptionKind.Number, "number of virtual CPUs", Required: true),
            Opt.Flag("maximum", "set maximum limit on next boot"),
            Opt.Flag("config", "affect next boot"), Opt.Flag("live", "affect running domain"), Opt.Flag("current", "affect current domain"),
            Opt.Flag("guest", "modify cpu state in the guest"),
            Opt.Flag("hotpluggable", "make added vcpus hot(un)pluggable"),
        ], SetVcpusAsync),
        new("vcpupin", CommandGroup.Domain, "control or query domain vcpu affinity", "Pin domain VCPUs to host physical CPUs.",
        [
            Opt.Domain(),
            new("vcpu", OptionKind.Number, "vcpu number"),
            new("cpulist", OptionKind.String, "host cpu number(s) to set, or omit option to query"),
            Opt.Flag("config", "affect next boot"), Opt.Flag("live", "affect running domain"), Opt.Flag("current", "affect current domain"),
        ], VcpuPinAsync),
        new("emulatorpin", CommandGroup.Domain, "control or query domain emulator affinity", "Pin domain emulator threads to host physical CPUs.",
        [
            Opt.Domain(),
            new("cpulist", OptionKind.String, "host cpu number(s) to set, or omit option to query"),
            Opt.Flag("config", "affect next boot"), Opt.Flag("live", "affect running domain"), Opt.Flag("current", "affect current domain"),
        ], EmulatorPinAsync),
        new("domstats", CommandGroup.Monitor, "get statistics about one or multiple domains", "Gets statistics about one or more (or all) domains",
        [
            Opt.Flag("state", "report domain state"),
            Opt.Flag("cpu-total", "report domain physical cpu usage"),
            Opt.Flag("balloon", "report domain balloon statistics"),
            Opt.Flag("vcpu", "report domain virtual cpu information"),
            Opt.Flag("interface", "report domain network interface information"),
            Opt.Flag("block", "report domain block device statistics"),
            Opt.Flag("perf", "report domain perf event statistics"),
            Opt.Flag("iothread", "report domain IOThread information"),
            Opt.Flag("memory", "report domain memory usage"),
            Opt.Flag("dirtyrate", "report domain dirty rate information"),
            Opt.Flag("vm", "report hypervisor-specific statistics"),
            Opt.Flag("list-active", "list only active domains"),
            Opt.Flag("list-inactive", "list only inactive domains"),
            Opt.Flag("list-persistent", "list only persistent domains"),
            Opt.Flag("list-transient", "list only transient domains"),
            Opt.Flag("list-running", "list only running domains"),
            Opt.Flag("list-paused", "list only paused domains"),
            Opt.Flag("list-shutoff", "list only shutoff domains"),
            Opt.Flag("list-other", "list only domains in other states"),
            Opt.Flag("raw", "do not pretty-print the fields"),
            Opt.Flag("enforce", "enforce requested stats parameters"),
            Opt.Flag("backing", "add backing chain information to block stats"),
            Opt.Flag("nowait", "report only stats that are accessible instantly"),
            new("domain", OptionKind.Argv, "list of domains to get stats for"),
        ], DomStatsAsync),
        new("domblkstat", CommandGroup.Monitor, "get device block stats for a domain", "Get device block stats for a running domain. See man page or use --human for explanation of fields",
            [Opt.Domain(), new("device", OptionKind.String, "block device"), Opt.Flag("human", "print a more human readable output")], DomBlkStatAsync),
        new("domifstat", CommandGroup.Monitor, "get network interface stats for a domain", "Get network interface stats for a running domain.",
            [Opt.Domain(), new("interface", OptionKind.String, "interface device specified by name or MAC Address", Required: true)], DomIfStatAsync),
        new("dommemstat", CommandGroup.Monitor, "get memory statistics for a domain", "Get memory statistics for a running domain.",
        [
            Opt.Domain(),
            new("period", OptionKind.Number, "period in seconds to set collection") { NamedOnly = true },
            Opt.Flag("config", "affect next boot"), Opt.Flag("live", "affect running domain"), Opt.Flag("current", "affect current domain"),
        ], DomMemStatAsync),
        new("send-key", CommandGroup.Domain, "Send keycodes to the guest", "Send keycodes (integers or symbolic names) to the guest",
        [
            Opt.Domain(),
            new("codeset", OptionKind.String, "the codeset of keycodes, default:linux") { NamedOnly = true },
            new("holdtime", OptionKind.Number, "the time (in milliseconds) how long the keys will be held") { NamedOnly = true },
            new("keycode", OptionKind.Argv, "the key code", Required: true),
        ], SendKeyAsync),
    ];

    private static (bool Live, bool Config) Impact(CommandContext c)
    {
        c.Args.Exclusive("current", "live");
        c.Args.Exclusive("current", "config");
        return (c.Args.Bool("live"), c.Args.Bool("config"));
    }

    /// <summary>vshCommandOptScaledInt with a default unit of KiB, rounded up to whole KiB as virsh does.</summary>
    private static ulong KiB(CommandContext c)
    {
        var text = c.Args.Required("size");
        if (text.All(char.IsAsciiDigit) && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var kib) && kib <= ulong.MaxValue / 1024)
        {
            return kib;
        }
        return !text.All(char.IsAsciiDigit) && ScaledSize.TryParse(text, out var bytes)
            ? (bytes / 1024) + (bytes % 1024 == 0 ? 0UL : 1UL)
            : throw VshError.Of($"Scaled numeric value '{text}' for <size> option is malformed or out of range");
    }

    private static async Task<bool> SetMemAsync(CommandContext c, CancellationToken ct)
    {
        var (live, config) = Impact(c);
        var domain = await Lookup.DomainAsync(c, ct);
        var kib = KiB(c);
        var connection = await c.ConnectionAsync(ct);
        // With no --live, --config or --current virsh calls virDomainSetMemory, which every driver runs as --live.
        live |= !config && !c.Args.Bool("current");
        try
        {
            await connection.SetMemoryAsync(domain.Domain.Uuid, kib, live, config, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        return Done(c, domain.Domain, "memory-set");
    }

    private static async Task<bool> SetMaxMemAsync(CommandContext c, CancellationToken ct)
    {
        var (live, config) = Impact(c);
        var domain = await Lookup.DomainAsync(c, ct);
        var kib = KiB(c);
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.SetMaxMemoryAsync(new Proto.SetMaxMemoryRequest { Domain = r, MaxMemoryKib = kib, Live = live, Config = config }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, "Unable to change MaxMemorySize");
        }
        return Done(c, domain.Domain, "max-memory-set");
    }

    private static async Task<bool> SetVcpusAsync(CommandContext c, CancellationToken ct)
    {
        var (live, config) = Impact(c);
        c.Args.Exclusive("guest", "config");
        c.Args.Exclusive("hotpluggable", "guest");
        if (c.Args.Bool("maximum") && !config)
        {
            throw VshError.Of("Option --config is required by option --maximum");
        }
        var domain = await Lookup.DomainAsync(c, ct);
        var count = c.Args.Int("count") ?? 0;
        if (count <= 0)
        {
            throw VshError.Of($"Can't set {count.ToString(CultureInfo.InvariantCulture)} processors for a VM");
        }
        var connection = await c.ConnectionAsync(ct);
        // With no flag at all virsh calls virDomainSetVcpus, which every driver runs as --live.
        live |= !config && !c.Args.Bool("current") && !c.Args.Bool("maximum") && !c.Args.Bool("guest") && !c.Args.Bool("hotpluggable");
        try
        {
            await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.SetVcpusAsync(new Proto.SetVcpusRequest
            {
                Domain = r, Count = (uint)count, Live = live, Config = config, Maximum = c.Args.Bool("maximum"), Guest = c.Args.Bool("guest"), Hotpluggable = c.Args.Bool("hotpluggable"),
            }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        return Done(c, domain.Domain, "vcpus-set");
    }

    private static async Task<bool> VcpuPinAsync(CommandContext c, CancellationToken ct)
    {
        var (live, config) = Impact(c);
        var domain = await Lookup.DomainAsync(c, ct);
        var vcpu = c.Args.UInt("vcpu");
        var cpulist = c.Args.String("cpulist");
        if (cpulist is not null && vcpu is null)
        {
            throw VshError.Of("vcpupin: Missing vCPU number in pin mode.");
        }
        var connection = await c.ConnectionAsync(ct);
        if (cpulist is null)
        {
            if (live && config)
            {
                throw VshError.Of("Options --live and --config are mutually exclusive");
            }
            // virsh's own refusals (virshCPUCountCollect), before it asks the driver.
            if (live && domain.Status.State == Proto.DomainState.Shutoff)
            {
                throw VshError.Of("cannot get vcpupin for offline domain");
            }
            if (config && !domain.Persistent)
            {
                throw VshError.Of("cannot get vcpupin for transient domain");
            }
            Proto.GetVcpuPinInfoResponse info;
            try
            {
                info = await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.GetVcpuPinInfoAsync(new Proto.GetVcpuPinInfoRequest { Domain = r, Config = config }, cancellationToken: ct));
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e);
            }
            // virsh sizes the map by the host's CPU count; a driver may report more (libvirt's test driver: 16 of 8).
            var hostCpus = await HostCpuCountAsync(connection, ct);
            var pins = info.Pins.Where(p => vcpu is null || p.Vcpu == vcpu)
                .Select(p => (p.Vcpu, Affinity: CpuSet.Format(p.HostCpus.Where(cpu => cpu < hostCpus)))).ToList();
            if (vcpu is { } asked && pins.Count == 0)
            {
                throw VshError.Of($"vcpu {asked.ToString(CultureInfo.InvariantCulture)} is out of range of persistent cpu count {info.Pins.Count.ToString(CultureInfo.InvariantCulture)}");
            }
            if (c.Json)
            {
                c.WriteJson(w =>
                {
                    w.WriteDomain("domain", domain.Domain);
                    w.WriteStartArray("vcpus");
                    foreach (var pin in pins)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("vcpu", pin.Vcpu);
                        w.WriteString("affinity", pin.Affinity);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
                return true;
            }
            var table = new VirshTable("VCPU", "CPU Affinity");
            foreach (var pin in pins)
            {
                table.AddRow(pin.Vcpu.ToString(CultureInfo.InvariantCulture), pin.Affinity);
            }
            c.Print(table.Render(!c.Text.Quiet, c.Text.Locale));
            return true;
        }
        var cpus = await ParseCpuListAsync(connection, cpulist, ct);
        try
        {
            await connection.PinVcpuAsync(domain.Domain.Uuid, vcpu!.Value, cpus, live, config, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        return Done(c, domain.Domain, "vcpu-pinned");
    }

    private static async Task<bool> EmulatorPinAsync(CommandContext c, CancellationToken ct)
    {
        var (live, config) = Impact(c);
        var domain = await Lookup.DomainAsync(c, ct);
        var cpulist = c.Args.String("cpulist");
        var connection = await c.ConnectionAsync(ct);
        if (cpulist is null)
        {
            if (live && config)
            {
                throw VshError.Of("Options --live and --config are mutually exclusive");
            }
            // The request has no live flag (the current state is live for an active domain): libvirt's drivers refuse
            // --live for an inactive one with these words.
            if (live && domain.Status.State == Proto.DomainState.Shutoff)
            {
                throw VshError.Of("Requested operation is not valid: domain is not running");
            }
            Proto.GetEmulatorPinInfoResponse info;
            try
            {
                info = await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.GetEmulatorPinInfoAsync(new Proto.GetEmulatorPinInfoRequest { Domain = r, Config = config }, cancellationToken: ct));
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e);
            }
            var hostCpus = await HostCpuCountAsync(connection, ct);
            var affinity = CpuSet.Format(info.HostCpus.Where(cpu => cpu < hostCpus));
            if (c.Json)
            {
                c.WriteJson(w =>
                {
                    w.WriteDomain("domain", domain.Domain);
                    w.WriteString("affinity", affinity);
                });
                return true;
            }
            c.PrintExtra("emulator: CPU Affinity\n----------------------------------\n       *: ");
            c.Print(affinity + "\n");
            return true;
        }
        var cpus = await ParseCpuListAsync(connection, cpulist, ct);
        // virsh pins the running emulator when neither --live, --config nor --current is given (an inactive domain is
        // then refused with "domain is not running"); --current follows the domain's state.
        live |= !config && !c.Args.Bool("current");
        try
        {
            await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) =>
            {
                var request = new Proto.PinEmulatorRequest { Domain = r, Live = live, Config = config };
                request.HostCpus.AddRange(cpus);
                return d.PinEmulatorAsync(request, cancellationToken: ct);
            });
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        return Done(c, domain.Domain, "emulator-pinned");
    }

    /// <summary>virshParseCPUList: <c>r</c> for every host CPU, else a cpuset that must stay below the host's CPU count.</summary>
    private static async Task<IReadOnlyList<uint>> ParseCpuListAsync(VirtConnection connection, string text, CancellationToken ct)
    {
        var max = await HostCpuCountAsync(connection, ct);
        if (text.StartsWith('r'))
        {
            return [.. Enumerable.Range(0, (int)max).Select(i => (uint)i)];
        }
        var cpus = CpuSet.TryParse(text)
            ?? throw VshError.Of($"Invalid cpulist '{text}'", $"invalid argument: Failed to parse bitmap '{text}'");
        return cpus[^1] >= max
            ? throw VshError.Of($"CPU {cpus[^1].ToString(CultureInfo.InvariantCulture)} in cpulist '{text}' exceed the maxcpu {max.ToString(CultureInfo.InvariantCulture)}")
            : cpus;
    }

    /// <summary>
    /// The host's CPU count (virsh's maxcpu for cpulists and affinity maps), as virshNodeGetCPUCount reads it: from the
    /// node's CPU map, or from nodeinfo where the connection has no map.
    /// </summary>
    internal static async Task<uint> HostCpuCountAsync(VirtConnection connection, CancellationToken ct)
    {
        try
        {
            try
            {
                return (await connection.Host.GetNodeCpuMapAsync(new Proto.GetNodeCpuMapRequest(), cancellationToken: ct)).Cpus;
            }
            catch (Grpc.Core.RpcException e) when (VirtClientException.From(e).Reason == Proto.ErrorReason.OperationUnsupported)
            {
                return (await connection.Host.GetNodeInfoAsync(new Proto.GetNodeInfoRequest(), cancellationToken: ct)).Cpus;
            }
        }
        catch (Grpc.Core.RpcException e)
        {
            throw VshError.FromClient(VirtClientException.From(e));
        }
    }

    private static async Task<bool> DomStatsAsync(CommandContext c, CancellationToken ct)
    {
        var request = new Proto.GetDomainStatsRequest { Enforce = c.Args.Bool("enforce"), Backing = c.Args.Bool("backing"), Nowait = c.Args.Bool("nowait") };
        foreach (var (flag, group) in new[]
        {
            ("state", Proto.DomainStatsGroup.State), ("cpu-total", Proto.DomainStatsGroup.CpuTotal), ("balloon", Proto.DomainStatsGroup.Balloon),
            ("vcpu", Proto.DomainStatsGroup.Vcpu), ("interface", Proto.DomainStatsGroup.Interface), ("block", Proto.DomainStatsGroup.Block),
            ("perf", Proto.DomainStatsGroup.Perf), ("iothread", Proto.DomainStatsGroup.Iothread), ("memory", Proto.DomainStatsGroup.Memory),
            ("dirtyrate", Proto.DomainStatsGroup.Dirtyrate), ("vm", Proto.DomainStatsGroup.Vm),
        })
        {
            if (c.Args.Bool(flag))
            {
                request.Groups.Add(group);
            }
        }
        var connection = await c.ConnectionAsync(ct);
        var names = c.Args.Argv("domain");
        List<Proto.DomainIdentity> identities = [];
        if (names.Count > 0)
        {
            foreach (var name in names)
            {
                var found = await Lookup.DomainAsync(connection, name, DomainBy.All, ct);
                identities.Add(found.Domain);
                request.Domains.Add(new Proto.DomainRef { Uuid = found.Domain.Uuid });
            }
        }
        else
        {
            var filter = new Proto.DomainListFilter();
            if (c.Args.Bool("list-active") || c.Args.Bool("list-inactive"))
            {
                filter.Active = c.Args.Bool("list-active");
            }
            if (c.Args.Bool("list-persistent") || c.Args.Bool("list-transient"))
            {
                filter.Persistent = c.Args.Bool("list-persistent");
            }
            foreach (var (flag, state) in new[] { ("list-running", Proto.DomainStateFilter.Running), ("list-paused", Proto.DomainStateFilter.Paused), ("list-shutoff", Proto.DomainStateFilter.Shutoff), ("list-other", Proto.DomainStateFilter.Other) })
            {
                if (c.Args.Bool(flag))
                {
                    filter.States.Add(state);
                }
            }
            request.Filter = filter;
        }
        IReadOnlyList<Proto.DomainStatsRecord> records;
        try
        {
            records = await connection.GetDomainStatsAsync(request, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        // virsh lists what the driver returns: by id for active domains, then by name (the list order).
        var ordered = names.Count > 0 ? records : [.. records.OrderBy(r => r.Domain.Id > 0 ? 0 : 1).ThenBy(r => r.Domain.Id).ThenBy(r => r.Domain.Name, StringComparer.Ordinal)];
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("domains");
                foreach (var record in ordered)
                {
                    w.WriteStartObject();
                    w.WriteDomain("domain", record.Domain);
                    w.WriteStartObject("stats");
                    foreach (var (key, value) in StatsFields(record))
                    {
                        w.WriteString(key, value);
                    }
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return true;
        }
        // virsh separates the records with a blank line; the command's own ends the last.
        var text = new StringBuilder();
        foreach (var record in ordered)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }
            text.Append("Domain: '").Append(record.Domain.Name).Append("'\n");
            foreach (var (key, value) in StatsFields(record))
            {
                text.Append("  ").Append(key).Append('=').Append(value).Append('\n');
            }
        }
        c.Print(text.ToString());
        return true;
    }

    /// <summary>libvirt's flat "group.key" parameters of one record, in the QEMU driver's order.</summary>
    private static IEnumerable<(string Key, string Value)> StatsFields(Proto.DomainStatsRecord r)
    {
        static string N(ulong v) => v.ToString(CultureInfo.InvariantCulture);
        if (r.State is { } state)
        {
            yield return ("state.state", ((int)state.State).ToString(CultureInfo.InvariantCulture));
            yield return ("state.reason", state.Reason.ToString(CultureInfo.InvariantCulture));
        }
        if (r.Cpu is { } cpu)
        {
            if (cpu.HasTimeNs)
            {
                yield return ("cpu.time", N(cpu.TimeNs));
            }
            if (cpu.HasUserNs)
            {
                yield return ("cpu.user", N(cpu.UserNs));
            }
            if (cpu.HasSystemNs)
            {
                yield return ("cpu.system", N(cpu.SystemNs));
            }
        }
        if (r.Balloon is { } balloon)
        {
            yield return ("balloon.current", N(balloon.CurrentKib));
            yield return ("balloon.maximum", N(balloon.MaximumKib));
            if (balloon.HasRssKib)
            {
                foreach (var (name, value) in MemoryStats(balloon, lastUpdate: "last-update"))
                {
                    yield return ("balloon." + name, N(value));
                }
            }
        }
        if (r.Vcpu is { } vcpu)
        {
            yield return ("vcpu.current", vcpu.Current.ToString(CultureInfo.InvariantCulture));
            yield return ("vcpu.maximum", vcpu.Maximum.ToString(CultureInfo.InvariantCulture));
            foreach (var v in vcpu.Vcpus)
            {
                var prefix = "vcpu." + v.Number.ToString(CultureInfo.InvariantCulture) + ".";
                yield return (prefix + "state", ((int)v.State).ToString(CultureInfo.InvariantCulture));
                if (v.HasTimeNs)
                {
                    yield return (prefix + "time", N(v.TimeNs));
                }
                if (v.HasWaitNs)
                {
                    yield return (prefix + "wait", N(v.WaitNs));
                }
                if (v.HasDelayNs)
                {
                    yield return (prefix + "delay", N(v.DelayNs));
                }
                if (v.HasHalted)
                {
                    yield return (prefix + "halted", v.Halted ? "yes" : "no");
                }
            }
        }
        if (r.InterfacesReported)
        {
            yield return ("net.count", r.Interfaces.Count.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < r.Interfaces.Count; i++)
            {
                var n = r.Interfaces[i];
                var prefix = "net." + i.ToString(CultureInfo.InvariantCulture) + ".";
                yield return (prefix + "name", n.Name);
                yield return (prefix + "rx.bytes", N(n.RxBytes));
                yield return (prefix + "rx.pkts", N(n.RxPackets));
                yield return (prefix + "rx.errs", N(n.RxErrors));
                yield return (prefix + "rx.drop", N(n.RxDrops));
                yield return (prefix + "tx.bytes", N(n.TxBytes));
                yield return (prefix + "tx.pkts", N(n.TxPackets));
                yield return (prefix + "tx.errs", N(n.TxErrors));
                yield return (prefix + "tx.drop", N(n.TxDrops));
            }
        }
        if (r.BlocksReported)
        {
            yield return ("block.count", r.Blocks.Count.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < r.Blocks.Count; i++)
            {
                var b = r.Blocks[i];
                var prefix = "block." + i.ToString(CultureInfo.InvariantCulture) + ".";
                yield return (prefix + "name", b.Name);
                if (b.Path.Length > 0)
                {
                    yield return (prefix + "path", b.Path);
                }
                if (b.HasReadRequests)
                {
                    yield return (prefix + "rd.reqs", N(b.ReadRequests));
                    yield return (prefix + "rd.bytes", N(b.ReadBytes));
                    yield return (prefix + "rd.times", N(b.ReadTimeNs));
                    yield return (prefix + "wr.reqs", N(b.WriteRequests));
                    yield return (prefix + "wr.bytes", N(b.WriteBytes));
                    yield return (prefix + "wr.times", N(b.WriteTimeNs));
                    yield return (prefix + "fl.reqs", N(b.FlushRequests));
                    yield return (prefix + "fl.times", N(b.FlushTimeNs));
                }
                if (b.HasAllocationBytes)
                {
                    yield return (prefix + "allocation", N(b.AllocationBytes));
                }
                if (b.HasCapacityBytes)
                {
                    yield return (prefix + "capacity", N(b.CapacityBytes));
                }
                if (b.HasPhysicalBytes)
                {
                    yield return (prefix + "physical", N(b.PhysicalBytes));
                }
            }
        }
    }

    private static async Task<bool> DomBlkStatAsync(CommandContext c, CancellationToken ct)
    {
        var argument = c.Args.Required("domain");
        var domain = await Lookup.DomainAsync(c, ct);
        var device = c.Args.String("device") ?? "";
        var human = c.Args.Bool("human");
        var connection = await c.ConnectionAsync(ct);
        Proto.BlockStats stats;
        try
        {
            stats = (await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.GetBlockStatsAsync(new Proto.GetBlockStatsRequest { Domain = r, Device = device }, cancellationToken: ct))).Stats;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to get block stats {argument} {device}");
        }
        // virsh prints the fields the driver has in its own order (domblkstat_output), whatever order the driver returns
        // them in, with the legacy names where there are some; QEMU has no error count (errs), libvirt's test driver
        // no flushes or times.
        (string Legacy, string Human, bool Has, ulong Value)[] known =
        [
            ("rd_req", "number of read operations:", stats.HasReadRequests, stats.ReadRequests),
            ("rd_bytes", "number of bytes read:", stats.HasReadBytes, stats.ReadBytes),
            ("wr_req", "number of write operations:", stats.HasWriteRequests, stats.WriteRequests),
            ("wr_bytes", "number of bytes written:", stats.HasWriteBytes, stats.WriteBytes),
            ("errs", "error count:", stats.HasErrors, stats.Errors),
            ("flush_operations", "number of flush operations:", stats.HasFlushRequests, stats.FlushRequests),
            ("rd_total_times", "total duration of reads (ns):", stats.HasReadTimeNs, stats.ReadTimeNs),
            ("wr_total_times", "total duration of writes (ns):", stats.HasWriteTimeNs, stats.WriteTimeNs),
            ("flush_total_times", "total duration of flushes (ns):", stats.HasFlushTimeNs, stats.FlushTimeNs),
        ];
        var fields = known.Where(f => f.Has).Select(f => (f.Legacy, f.Human, f.Value)).ToList();
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("device", device);
                foreach (var (legacy, _, value) in fields)
                {
                    w.WriteNumber(legacy, value);
                }
            });
            return true;
        }
        // With --human virsh names the device once, above, and then prints each line with an empty device name.
        var prefix = device;
        if (human)
        {
            c.Print($"Device: {device}\n");
            prefix = "";
        }
        var text = new StringBuilder();
        foreach (var (legacy, label, value) in fields)
        {
            text.Append(prefix).Append(' ').Append(human ? label.PadRight(31) : legacy).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        c.Print(text.ToString());
        return true;
    }

    private static async Task<bool> DomIfStatAsync(CommandContext c, CancellationToken ct)
    {
        var argument = c.Args.Required("domain");
        var domain = await Lookup.DomainAsync(c, ct);
        var device = c.Args.Required("interface");
        var connection = await c.ConnectionAsync(ct);
        Proto.InterfaceStats stats;
        try
        {
            stats = (await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.GetInterfaceStatsAsync(new Proto.GetInterfaceStatsRequest { Domain = r, Interface = device }, cancellationToken: ct))).Stats;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to get interface stats {argument} {device}");
        }
        (string Name, ulong Value)[] fields =
        [
            ("rx_bytes", stats.RxBytes), ("rx_packets", stats.RxPackets), ("rx_errs", stats.RxErrors), ("rx_drop", stats.RxDrops),
            ("tx_bytes", stats.TxBytes), ("tx_packets", stats.TxPackets), ("tx_errs", stats.TxErrors), ("tx_drop", stats.TxDrops),
        ];
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("interface", device);
                foreach (var (name, value) in fields)
                {
                    w.WriteNumber(name, value);
                }
            });
            return true;
        }
        c.Print(string.Concat(fields.Select(f => $"{device} {f.Name} {f.Value.ToString(CultureInfo.InvariantCulture)}\n")));
        return true;
    }

    private static async Task<bool> DomMemStatAsync(CommandContext c, CancellationToken ct)
    {
        var (live, config) = Impact(c);
        var argument = c.Args.Required("domain");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        if (c.Args.Int("period") is { } period)
        {
            if (period < 0)
            {
                throw VshError.Of($"Invalid collection period value '{period.ToString(CultureInfo.InvariantCulture)}'");
            }
            try
            {
                await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.SetMemoryStatsPeriodAsync(
                    new Proto.SetMemoryStatsPeriodRequest { Domain = r, PeriodSeconds = (uint)period, Live = live, Config = config }, cancellationToken: ct));
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e, "Unable to change balloon collection period.");
            }
            return true;
        }
        Proto.DomainBalloonStats stats;
        try
        {
            stats = (await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.GetMemoryStatsAsync(new Proto.GetMemoryStatsRequest { Domain = r }, cancellationToken: ct))).Stats;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, $"Failed to get memory statistics for domain {argument}");
        }
        var fields = MemoryStats(stats, lastUpdate: "last_update");
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                foreach (var (name, value) in fields)
                {
                    w.WriteNumber(name, value);
                }
            });
            return true;
        }
        c.Print(string.Concat(fields.Select(f => $"{f.Name} {f.Value.ToString(CultureInfo.InvariantCulture)}\n")));
        return true;
    }

    /// <summary>
    /// The balloon's memory statistics in libvirt's order (qemuMonitorJSONGetMemoryStats, then the RSS), by their
    /// dommemstat names; domstats spells the update time "last-update", dommemstat "last_update".
    /// </summary>
    private static List<(string Name, ulong Value)> MemoryStats(Proto.DomainBalloonStats stats, string lastUpdate)
    {
        List<(string Name, ulong Value)> fields = [("actual", stats.CurrentKib)];
        void Add(string name, bool has, ulong value)
        {
            if (has)
            {
                fields.Add((name, value));
            }
        }
        Add("swap_in", stats.HasSwapInKib, stats.SwapInKib);
        Add("swap_out", stats.HasSwapOutKib, stats.SwapOutKib);
        Add("major_fault", stats.HasMajorFaults, stats.MajorFaults);
        Add("minor_fault", stats.HasMinorFaults, stats.MinorFaults);
        Add("unused", stats.HasUnusedKib, stats.UnusedKib);
        Add("available", stats.HasAvailableKib, stats.AvailableKib);
        Add("usable", stats.HasUsableKib, stats.UsableKib);
        Add(lastUpdate, stats.HasLastUpdateEpochSeconds, (ulong)stats.LastUpdateEpochSeconds);
        Add("disk_caches", stats.HasDiskCachesKib, stats.DiskCachesKib);
        Add("hugetlb_pgalloc", stats.HasHugetlbPageAllocations, stats.HugetlbPageAllocations);
        Add("hugetlb_pgfail", stats.HasHugetlbPageFailures, stats.HugetlbPageFailures);
        Add("rss", stats.HasRssKib, stats.RssKib);
        return fields;
    }

    private static async Task<bool> SendKeyAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var codesetName = c.Args.String("codeset") ?? "linux";
        var codeset = codesetName switch
        {
            "linux" => Proto.KeycodeSet.Linux,
            "xt" => Proto.KeycodeSet.Xt,
            "atset1" => Proto.KeycodeSet.Atset1,
            "atset2" => Proto.KeycodeSet.Atset2,
            "atset3" => Proto.KeycodeSet.Atset3,
            "os_x" => Proto.KeycodeSet.Osx,
            "xt_kbd" => Proto.KeycodeSet.XtKbd,
            "usb" => Proto.KeycodeSet.Usb,
            "win32" => Proto.KeycodeSet.Win32,
            "qnum" or "rfb" => Proto.KeycodeSet.Qnum,
            _ => throw VshError.Of($"unknown codeset: '{codesetName}'"),
        };
        var hold = c.Args.Int("holdtime") ?? 0;
        if (hold < 0)
        {
            throw VshError.Of($"Numeric value '{hold.ToString(CultureInfo.InvariantCulture)}' for <holdtime> option is malformed or out of range");
        }
        var request = new Proto.SendKeyRequest { Codeset = codeset, HoldTimeMs = (uint)hold };
        foreach (var key in c.Args.Argv("keycode"))
        {
            if (request.Keycodes.Count == 16)
            {
                throw VshError.Of("too many keycodes");
            }
            request.Keycodes.Add(KeyNames.Parse(codeset, key) ?? throw VshError.Of($"invalid keycode: '{key}'"));
        }
        if (request.Keycodes.Count == 0)
        {
            throw VshError.Of("command 'send-key' requires <keycode> option");
        }
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) =>
            {
                request.Domain = r;
                return d.SendKeyAsync(request, cancellationToken: ct);
            });
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        return Done(c, domain.Domain, "keys-sent");
    }

    private static bool Done(CommandContext c, Proto.DomainIdentity domain, string result)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain);
                w.WriteString("result", result);
            });
        }
        return true;
    }
}
