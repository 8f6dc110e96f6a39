using System.Globalization;
using System.Text;
using Grpc.Core;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>nodeinfo, nodememstats, nodecpumap, nodecpustats, capabilities, domcapabilities (virsh-host.c), with virsh's formats.</summary>
internal static class NodeCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("capabilities", CommandGroup.Host, "capabilities", "Returns capabilities of hypervisor/driver.",
            [], CapabilitiesAsync),
        new("domcapabilities", CommandGroup.Host, "domain capabilities", "Returns capabilities of emulator with respect to host and libvirt.",
            [
                new("virttype", OptionKind.String, "virtualization type (/domain/@type)"),
                new("emulatorbin", OptionKind.String, "path to emulator binary (/domain/devices/emulator)"),
                new("arch", OptionKind.String, "domain architecture (/domain/os/type/@arch)"),
                new("machine", OptionKind.String, "machine type (/domain/os/type/@machine)"),
            ], DomainCapabilitiesAsync),
        new("nodecpumap", CommandGroup.Host, "node cpu map", "Displays the node's total number of CPUs, the number of online CPUs and the list of online CPUs.",
            [Opt.Flag("pretty", "return human readable output")], NodeCpuMapAsync),
        new("nodecpustats", CommandGroup.Host, "Prints cpu stats of the node.", "Returns cpu stats of the node, in nanoseconds.",
            [new("cpu", OptionKind.Number, "prints specified cpu statistics only."), Opt.Flag("percent", "prints by percentage during 1 second.")],
            NodeCpuStatsAsync),
        new("nodeinfo", CommandGroup.Host, "node information", "Returns basic information about the node.",
            [], NodeInfoAsync),
        new("nodememstats", CommandGroup.Host, "Prints memory stats of the node.", "Returns memory stats of the node, in kilobytes.",
            [new("cell", OptionKind.Number, "prints specified cell statistics only.")], NodeMemStatsAsync),
        new("freecell", CommandGroup.Host, "NUMA free memory", "display available free memory for the NUMA cell.",
            [new("cellno", OptionKind.Number, "NUMA cell number"), Opt.Flag("all", "show free memory for all NUMA cells")], FreecellAsync),
    ];

    /// <summary>One HostService call; a failure prints virsh's line for it, then the library's error.</summary>
    private static async Task<T> HostCallAsync<T>(CommandContext c, Func<Proto.HostService.HostServiceClient, AsyncUnaryCall<T>> call, string failure, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        try
        {
            return await call(connection.Host);
        }
        catch (RpcException rpc) when (VirtClientException.From(rpc) is var e)
        {
            throw VshError.FromClient(e, failure);
        }
    }

    private static async Task<bool> CapabilitiesAsync(CommandContext c, CancellationToken ct)
    {
        var xml = (await HostCallAsync(c, h => h.GetCapabilitiesAsync(new Proto.GetCapabilitiesRequest(), cancellationToken: ct), "failed to get capabilities", ct)).Xml;
        PrintXml(c, xml);
        return true;
    }

    private static async Task<bool> DomainCapabilitiesAsync(CommandContext c, CancellationToken ct)
    {
        var request = new Proto.GetDomainCapabilitiesRequest
        {
            VirtType = c.Args.String("virttype") ?? "",
            Emulator = c.Args.String("emulatorbin") ?? "",
            Arch = c.Args.String("arch") ?? "",
            Machine = c.Args.String("machine") ?? "",
        };
        var xml = (await HostCallAsync(c, h => h.GetDomainCapabilitiesAsync(request, cancellationToken: ct), "failed to get emulator capabilities", ct)).Xml;
        PrintXml(c, xml);
        return true;
    }

    private static async Task<bool> NodeCpuMapAsync(CommandContext c, CancellationToken ct)
    {
        var map = await HostCallAsync(c, h => h.GetNodeCpuMapAsync(new Proto.GetNodeCpuMapRequest(), cancellationToken: ct), "Unable to get cpu map", ct);
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteNumber("cpus", map.Cpus);
                w.WriteStartArray("online");
                foreach (var cpu in map.Online)
                {
                    w.WriteNumberValue(cpu);
                }
                w.WriteEndArray();
            });
            return true;
        }
        var online = map.Online.ToHashSet();
        var cpus = c.Args.Bool("pretty")
            ? Virt.Driver.CpuSet.Format(map.Online)
            : new string([.. Enumerable.Range(0, (int)map.Cpus).Select(cpu => online.Contains((uint)cpu) ? 'y' : '-')]);
        c.Print(string.Create(CultureInfo.InvariantCulture, $"{"CPUs present:",-15} {map.Cpus}\n{"CPUs online:",-15} {map.Online.Count}\n{"CPU map:",-15} {cpus}\n"));
        return true;
    }

    private static async Task<bool> NodeInfoAsync(CommandContext c, CancellationToken ct)
    {
        var info = await HostCallAsync(c, h => h.GetNodeInfoAsync(new Proto.GetNodeInfoRequest(), cancellationToken: ct), "failed to get node information", ct);
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("model", info.Model);
                w.WriteNumber("cpus", info.Cpus);
                w.WriteNumber("mhz", info.Mhz);
                w.WriteNumber("sockets", info.Sockets);
                w.WriteNumber("cores", info.Cores);
                w.WriteNumber("threads", info.Threads);
                w.WriteNumber("nodes", info.Nodes);
                w.WriteNumber("memory_kib", info.MemoryKib);
            });
            return true;
        }
        var text = new StringBuilder();
        Line(text, "CPU model:", info.Model);
        Line(text, "CPU(s):", Number(info.Cpus));
        if (info.Mhz != 0)
        {
            Line(text, "CPU frequency:", Number(info.Mhz) + " MHz");
        }
        Line(text, "CPU socket(s):", Number(info.Sockets));
        Line(text, "Core(s) per socket:", Number(info.Cores));
        Line(text, "Thread(s) per core:", Number(info.Threads));
        Line(text, "NUMA cell(s):", Number(info.Nodes));
        Line(text, "Memory size:", Number(info.MemoryKib) + " KiB");
        c.Print(text.ToString());
        return true;

        // "%-20s %s\n"
        static void Line(StringBuilder text, string label, string value) => text.Append(label.PadRight(20)).Append(' ').Append(value).Append('\n');
    }

    private static async Task<bool> NodeMemStatsAsync(CommandContext c, CancellationToken ct)
    {
        var cell = c.Args.Int("cell");
        var request = new Proto.GetNodeMemoryStatsRequest();
        // virsh passes -1 (VIR_NODE_MEMORY_STATS_ALL_CELLS) for the whole host.
        if (cell is { } number and not -1)
        {
            if (number < 0)
            {
                throw VshError.Of("Unable to get number of memory stats", "cellNum in virHostMemGetStats must not be negative");
            }
            request.Cell = (uint)number;
        }
        var stats = await HostCallAsync(c, h => h.GetNodeMemoryStatsAsync(request, cancellationToken: ct), "Unable to get number of memory stats", ct);
        var fields = new List<(string Name, ulong Value)> { ("total", stats.TotalKib), ("free", stats.FreeKib) };
        if (stats.HasBuffersKib)
        {
            fields.Add(("buffers", stats.BuffersKib));
        }
        if (stats.HasCachedKib)
        {
            fields.Add(("cached", stats.CachedKib));
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                foreach (var (name, value) in fields)
                {
                    w.WriteNumber(name + "_kib", value);
                }
            });
            return true;
        }
        var text = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            // "%-7s: %20llu KiB\n"
            text.Append(name.PadRight(7)).Append(": ").Append(Number(value).PadLeft(20)).Append(" KiB\n");
        }
        c.Print(text.ToString());
        return true;
    }

    private static async Task<bool> NodeCpuStatsAsync(CommandContext c, CancellationToken ct)
    {
        var cpu = c.Args.Int("cpu");
        var percent = c.Args.Bool("percent");
        var request = new Proto.GetNodeCpuStatsRequest();
        if (cpu is { } number and not -1)
        {
            if (number < 0)
            {
                throw VshError.Of("Unable to get node cpu stats", "Invalid cpuNum in virHostCPUGetStatsLinux");
            }
            request.Cpu = (uint)number;
        }
        var connection = await c.ConnectionAsync(ct);
        var first = await SampleAsync(connection, request, ct);
        if (!percent)
        {
            var times = Fields(first);
            if (c.Json)
            {
                c.WriteJson(w =>
                {
                    foreach (var (name, value) in times)
                    {
                        w.WriteNumber(name.TrimEnd(':') + "_ns", value);
                    }
                });
                return true;
            }
            var text = new StringBuilder();
            foreach (var (name, value) in times)
            {
                // "%-15s %20llu\n"
                text.Append(name.PadRight(15)).Append(' ').Append(Number(value).PadLeft(20)).Append('\n');
            }
            c.Print(text.ToString());
            return true;
        }

        // virsh samples twice, one second apart, and prints each time's share of the difference.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var second = await SampleAsync(connection, request, ct);
        var deltas = Fields(second).Zip(Fields(first), (now, before) => (now.Name, Value: (double)(now.Value - before.Value))).ToList();
        var total = deltas.Sum(d => d.Value);
        var usage = (deltas[0].Value + deltas[1].Value) / total * 100;
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.NumberOrNull("usage_percent", double.IsNaN(usage) ? null : usage);
                foreach (var (name, value) in deltas)
                {
                    var share = value / total * 100;
                    w.NumberOrNull(name.TrimEnd(':') + "_percent", double.IsNaN(share) ? null : share);
                }
            });
            return true;
        }
        var lines = new StringBuilder();
        lines.Append("usage:".PadRight(15)).Append(' ').Append(Percent(usage)).Append("%\n");
        foreach (var (name, value) in deltas)
        {
            lines.Append(name.PadRight(15)).Append(' ').Append(Percent(value / total * 100)).Append("%\n");
        }
        c.Print(lines.ToString());
        return true;
    }

    private static async Task<Proto.NodeCpuTimes> SampleAsync(VirtConnection connection, Proto.GetNodeCpuStatsRequest request, CancellationToken ct)
    {
        try
        {
            return (await connection.Host.GetNodeCpuStatsAsync(request, cancellationToken: ct)).Times;
        }
        catch (RpcException rpc) when (VirtClientException.From(rpc) is var e)
        {
            throw VshError.FromClient(e, e.Reason == Proto.ErrorReason.OperationUnsupported ? "Unable to get number of cpu stats" : "Unable to get node cpu stats");
        }
    }

    // virsh's order: user, system, idle, iowait (intr when the driver reports it).
    private static List<(string Name, ulong Value)> Fields(Proto.NodeCpuTimes times)
    {
        List<(string, ulong)> fields = [("user:", times.UserNs), ("system:", times.KernelNs), ("idle:", times.IdleNs), ("iowait:", times.IowaitNs)];
        if (times.HasIntrNs)
        {
            fields.Add(("intr:", times.IntrNs));
        }
        return fields;
    }

    // printf("%5.1lf"): glibc prints the NaN of 0/0 as "-nan" (its sign bit is set on x86).
    private static string Percent(double value) =>
        (double.IsNaN(value) ? "-nan" : value.ToString("0.0", CultureInfo.InvariantCulture)).PadLeft(5);

    /// <summary>virsh-host.c cmdFreecell: the host's free memory, one cell's, or every cell's with their sum.</summary>
    private static async Task<bool> FreecellAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        a.Exclusive("all", "cellno");
        var cell = a.Int("cellno");
        var all = a.Bool("all");
        var connection = await c.ConnectionAsync(ct);
        if (cell < 0)
        {
            // libvirt's own argument check in virNodeGetCellsFreeMemory, before any call.
            throw VshError.Of("startCell in virNodeGetCellsFreeMemory must be zero or greater");
        }
        var free = await connection.Host.GetFreeMemoryAsync(new Proto.GetFreeMemoryRequest { PerCell = all || cell is not null }, cancellationToken: ct);
        var cells = free.Cells.Select(f => (Cell: (long)f.Cell, Kib: f.FreeBytes / 1024)).ToList();
        if (cell is { } wanted && !cells.Any(f => f.Cell == wanted))
        {
            // virNodeGetCellsFreeMemory's refusal; the API answers every cell at once, so vsh checks the number.
            throw VshError.Of("invalid argument: Range exceeds available cells");
        }
        var shown = cell is { } one ? cells.Where(f => f.Cell == one).ToList() : cells;
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteNumber("free_kib", cell is null ? free.FreeBytes / 1024 : shown[0].Kib);
                if (all || cell is not null)
                {
                    w.WriteStartArray("cells");
                    foreach (var (number, kib) in shown)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("cell", number);
                        w.WriteNumber("free_kib", kib);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
            });
            return true;
        }
        var text = new StringBuilder();
        if (all)
        {
            // "%5lu: %10llu KiB\n" per cell, a rule, then their sum (not the host's own figure, as in virsh).
            foreach (var (number, kib) in cells)
            {
                text.Append(number.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append(": ").Append(Number(kib).PadLeft(10)).Append(" KiB\n");
            }
            text.Append("--------------------\n");
            text.Append("Total".PadLeft(5)).Append(": ").Append(Number(cells.Aggregate(0UL, (sum, f) => sum + f.Kib)).PadLeft(10)).Append(" KiB\n");
        }
        else if (cell is { } number)
        {
            text.Append(CultureInfo.InvariantCulture, $"{number}: {Number(shown[0].Kib)} KiB\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Total: {Number(free.FreeBytes / 1024)} KiB\n");
        }
        c.Print(text.ToString());
        return true;
    }

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(uint value) => value.ToString(CultureInfo.InvariantCulture);

    // vshPrint("%s\n", xml): the document's own final newline and virsh's.
    private static void PrintXml(CommandContext c, string xml)
    {
        if (c.Json)
        {
            c.WriteJson(w => w.WriteString("xml", xml));
            return;
        }
        c.Print(xml + "\n");
    }
}
