using System.Globalization;
using System.Runtime.InteropServices;
using Virt.Driver;

namespace Virt.Host;

/// <summary>
/// Reads the host as libvirt's Linux code does (virhostcpu.c, virhostmem.c, virnuma.c): /proc/stat, /proc/meminfo,
/// /proc/cpuinfo and sysfs. Every call reads afresh; nothing is cached, because CPU times and free memory move.
/// </summary>
/// <param name="root">The file system root, <c>/</c>; tests point it at a directory laid out like /proc and /sys.</param>
public sealed class LinuxHost(string root = "/")
{
    // USER_HZ: /proc/stat counts in ticks of 1/100 s on every Linux architecture Virt runs on.
    private const ulong NanosecondsPerTick = 10_000_000;

    private string Proc(string name) => Path.Combine(root, "proc", name);

    private string NodeDirectory => Path.Combine(root, "sys", "devices", "system", "node");

    private string CpuDirectory => Path.Combine(root, "sys", "devices", "system", "cpu");

    /// <summary>The architecture name libvirt uses (<c>x86_64</c>, <c>aarch64</c>).</summary>
    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        System.Runtime.InteropServices.Architecture.X86 => "i686",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>virNodeGetInfo.</summary>
    public NodeInfo GetNodeInfo()
    {
        var topology = GetTopology();
        var cpus = topology.Cpus.ToList();
        var nodes = Math.Max(1, topology.Cells.Count);
        // Sockets per cell, cores per socket, threads per core: the largest seen, as libvirt counts them.
        var sockets = Math.Max(1, topology.Cells.Select(c => c.Cpus.Select(p => p.SocketId).Distinct().Count()).DefaultIfEmpty(1).Max());
        var cores = Math.Max(1, cpus.GroupBy(p => p.SocketId).Select(g => g.Select(p => p.CoreId).Distinct().Count()).DefaultIfEmpty(1).Max());
        var threads = Math.Max(1, cpus.GroupBy(p => (p.SocketId, p.CoreId)).Select(g => g.Count()).DefaultIfEmpty(1).Max());
        if (nodes * sockets * cores * threads != cpus.Count)
        {
            // libvirt's fallback when the topology does not add up (offline CPUs, odd firmware): one flat socket.
            (nodes, sockets, cores, threads) = (1, 1, cpus.Count, 1);
        }
        var memory = topology.Cells.Count > 0 ? topology.Cells.Aggregate(0UL, (sum, c) => sum + c.MemoryKib) : ReadMeminfo(Proc("meminfo"), "")["MemTotal"];
        return new NodeInfo(Architecture, memory, cpus.Count, ReadMhz(), nodes, sockets, cores, threads);
    }

    /// <summary>virNodeGetMemoryStats: the whole host (<paramref name="cell"/> null) or one NUMA cell.</summary>
    /// <exception cref="VirtException">InvalidArgument: no such cell (libvirt's message).</exception>
    public NodeMemoryStats GetMemoryStats(int? cell)
    {
        if (cell is null or -1)
        {
            var meminfo = ReadMeminfo(Proc("meminfo"), "");
            return new NodeMemoryStats(meminfo["MemTotal"], meminfo["MemFree"], meminfo.GetValueOrDefault("Buffers"), meminfo.GetValueOrDefault("Cached"));
        }
        var last = NodeIds().DefaultIfEmpty(0).Max();
        if (cell < 0 || cell > last || !File.Exists(NodeFile(cell.Value, "meminfo")))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument,
                string.Create(CultureInfo.InvariantCulture, $"cellNum in virHostMemGetStats must be less than or equal to {last}"),
                new Dictionary<string, string> { ["cell"] = cell.Value.ToString(CultureInfo.InvariantCulture), ["available"] = "0-" + last.ToString(CultureInfo.InvariantCulture) });
        }
        var node = ReadMeminfo(NodeFile(cell.Value, "meminfo"), string.Create(CultureInfo.InvariantCulture, $"Node {cell} "));
        return new NodeMemoryStats(node["MemTotal"], node["MemFree"], null, null);
    }

    /// <summary>
    /// virNodeGetFreeMemory and virNodeGetCellsFreeMemory (libvirt's virHostMemGetFreeMemory and
    /// virHostMemGetCellsFree): each NUMA cell's MemFree in KiB, and their sum; a host without NUMA information is one
    /// cell 0 with /proc/meminfo's MemFree.
    /// </summary>
    public (ulong TotalKib, IReadOnlyList<(int Cell, ulong FreeKib)> Cells) GetFreeMemory()
    {
        var cells = NodeIds().Where(id => File.Exists(NodeFile(id, "meminfo")))
            .Select(id => (id, ReadMeminfo(NodeFile(id, "meminfo"), string.Create(CultureInfo.InvariantCulture, $"Node {id} "))["MemFree"]))
            .ToList();
        if (cells.Count == 0)
        {
            cells.Add((0, ReadMeminfo(Proc("meminfo"), "")["MemFree"]));
        }
        return (cells.Aggregate(0UL, (sum, c) => sum + c.Item2), cells);
    }

    /// <summary>virNodeGetCPUStats: the sum over all CPUs (<paramref name="cpu"/> null or -1) or one CPU.</summary>
    /// <exception cref="VirtException">InvalidArgument: no such CPU (libvirt's message).</exception>
    public NodeCpuTimes GetCpuTimes(int? cpu)
    {
        var all = ReadStat();
        var wanted = cpu is null or -1 ? null : cpu;
        if (all.FirstOrDefault(t => t.Cpu == wanted) is { } times)
        {
            return times;
        }
        throw new VirtException(VirtErrorReason.InvalidArgument, "Invalid cpuNum in virHostCPUGetStatsLinux",
            new Dictionary<string, string> { ["cpu"] = cpu!.Value.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>Every online CPU's times, in CPU order.</summary>
    public IReadOnlyList<NodeCpuTimes> GetPerCpuTimes() => [.. ReadStat().Where(t => t.Cpu is not null)];

    /// <summary>NUMA cells with their online CPUs; a host without NUMA in sysfs is one cell holding everything.</summary>
    public HostTopology GetTopology()
    {
        var online = ParseCpuList(ReadOr(Path.Combine(CpuDirectory, "online"), "")).ToHashSet();
        if (online.Count == 0)
        {
            online = [.. Enumerable.Range(0, Environment.ProcessorCount)];
        }
        var hugePageSizes = HugePageSizesKib();
        var cells = new List<NumaCell>();
        var nodeIds = NodeIds().ToList();
        foreach (var id in nodeIds)
        {
            var meminfo = ReadMeminfo(NodeFile(id, "meminfo"), string.Create(CultureInfo.InvariantCulture, $"Node {id} "));
            var cpus = ParseCpuList(ReadOr(NodeFile(id, "cpulist"), "")).Where(online.Contains).Order().Select(ReadCpu).ToList();
            var distances = ReadOr(NodeFile(id, "distance"), "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select((value, index) => new CellDistance(nodeIds.ElementAtOrDefault(index), int.Parse(value, CultureInfo.InvariantCulture))).ToList();
            cells.Add(new NumaCell(id, meminfo["MemTotal"], meminfo["MemFree"], Pages(meminfo["MemTotal"], hugePageSizes, size => NodeFile(id, $"hugepages/hugepages-{size}kB/nr_hugepages")), distances, cpus));
        }
        if (cells.Count == 0)
        {
            var meminfo = ReadMeminfo(Proc("meminfo"), "");
            cells.Add(new NumaCell(0, meminfo["MemTotal"], meminfo["MemFree"],
                Pages(meminfo["MemTotal"], hugePageSizes, size => Path.Combine(root, "sys", "kernel", "mm", "hugepages", $"hugepages-{size}kB", "nr_hugepages")),
                [], [.. online.Order().Select(ReadCpu)]));
        }
        return new HostTopology(cells);
    }

    /// <summary>The first processor's vendor and signature.</summary>
    public CpuIdentity GetCpuIdentity()
    {
        string? vendor = null;
        int? family = null, model = null, stepping = null;
        foreach (var line in ReadOr(Proc("cpuinfo"), "").Split('\n'))
        {
            if (line.Length == 0 && vendor is not null)
            {
                break;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "vendor_id":
                    vendor = value switch { "GenuineIntel" => "Intel", "AuthenticAMD" => "AMD", "HygonGenuine" => "Hygon", _ => value };
                    break;
                case "cpu family":
                    family = ParseInt(value);
                    break;
                case "model":
                    model = ParseInt(value);
                    break;
                case "stepping":
                    stepping = ParseInt(value);
                    break;
            }
        }
        return new CpuIdentity(vendor, family, model, stepping);
    }

    /// <summary>The host's UUID: the SMBIOS one when the firmware has it, else /etc/machine-id written as a UUID.</summary>
    public string? GetHostUuid()
    {
        var smbios = ReadOr(Path.Combine(root, "sys", "class", "dmi", "id", "product_uuid"), "").Trim();
        if (Guid.TryParse(smbios, out var uuid))
        {
            return uuid.ToString();
        }
        var machineId = ReadOr(Path.Combine(root, "etc", "machine-id"), "").Trim();
        return Guid.TryParseExact(machineId, "N", out uuid) ? uuid.ToString() : null;
    }

    /// <summary>Whether the host has an IOMMU that groups devices (capabilities' <c>&lt;iommu support&gt;</c>).</summary>
    public bool HasIommu()
    {
        var groups = Path.Combine(root, "sys", "kernel", "iommu_groups");
        return Directory.Exists(groups) && Directory.EnumerateFileSystemEntries(groups).Any();
    }

    /// <summary>Huge page sizes the kernel offers, KiB, ascending.</summary>
    public IReadOnlyList<ulong> HugePageSizesKib()
    {
        var directory = Path.Combine(root, "sys", "kernel", "mm", "hugepages");
        if (!Directory.Exists(directory))
        {
            return [];
        }
        return [.. Directory.EnumerateDirectories(directory, "hugepages-*kB")
            .Select(d => ulong.Parse(Path.GetFileName(d)["hugepages-".Length..^"kB".Length], CultureInfo.InvariantCulture))
            .Order()];
    }

    /// <summary>
    /// virNodeGetCPUMap: how many CPUs the host can have (the highest present one's number plus one, from
    /// /sys/devices/system/cpu/present) and the online ones (…/online), as libvirt's virHostCPUGetMap reads them.
    /// </summary>
    public (int Cpus, IReadOnlyList<int> Online) GetCpuMap()
    {
        var present = ParseCpuList(File.ReadAllText(Path.Combine(CpuDirectory, "present"))).ToList();
        var online = ParseCpuList(File.ReadAllText(Path.Combine(CpuDirectory, "online"))).Order().ToList();
        return (present.Count == 0 ? 0 : present.Max() + 1, online);
    }

    /// <summary>Parses a kernel CPU list (<c>0-3,8,10-11</c>).</summary>
    public static IEnumerable<int> ParseCpuList(string list)
    {
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                yield return int.Parse(part, CultureInfo.InvariantCulture);
                continue;
            }
            var first = int.Parse(part[..dash], CultureInfo.InvariantCulture);
            var last = int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
            for (var cpu = first; cpu <= last; cpu++)
            {
                yield return cpu;
            }
        }
    }

    private static List<PageCount> Pages(ulong memoryKib, IReadOnlyList<ulong> hugePageSizes, Func<ulong, string> countFile)
    {
        // The base pages are the memory that the huge page pools do not hold, as libvirt counts them.
        var huge = hugePageSizes.Select(size => new PageCount(size, ulong.TryParse(ReadOr(countFile(size), "0").Trim(), CultureInfo.InvariantCulture, out var n) ? n : 0)).ToList();
        var inHuge = huge.Aggregate(0UL, (sum, p) => sum + (p.SizeKib * p.Count));
        var basePageKib = (ulong)Environment.SystemPageSize / 1024;
        return [new PageCount(basePageKib, (memoryKib - Math.Min(memoryKib, inHuge)) / basePageKib), .. huge];
    }

    private HostCpu ReadCpu(int id)
    {
        var topology = Path.Combine(CpuDirectory, $"cpu{id}", "topology");
        int Read(string name) => ParseInt(ReadOr(Path.Combine(topology, name), "0").Trim()) ?? 0;
        var siblings = ReadOr(Path.Combine(topology, "thread_siblings_list"), id.ToString(CultureInfo.InvariantCulture)).Trim();
        return new HostCpu(id, Math.Max(0, Read("physical_package_id")), Math.Max(0, Read("die_id")), Read("core_id"), siblings);
    }

    private IEnumerable<int> NodeIds()
    {
        if (!Directory.Exists(NodeDirectory))
        {
            return [];
        }
        return Directory.EnumerateDirectories(NodeDirectory, "node*")
            .Select(d => ParseInt(Path.GetFileName(d)["node".Length..]))
            .OfType<int>()
            .Order();
    }

    private string NodeFile(int node, string name) => Path.Combine(NodeDirectory, $"node{node}", name);

    private int ReadMhz()
    {
        foreach (var line in ReadOr(Proc("cpuinfo"), "").Split('\n'))
        {
            if (line.StartsWith("cpu MHz", StringComparison.Ordinal))
            {
                var value = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                var dot = value.IndexOf('.', StringComparison.Ordinal);
                return ParseInt(dot < 0 ? value : value[..dot]) ?? 0;
            }
        }
        return 0;
    }

    private List<NodeCpuTimes> ReadStat()
    {
        var result = new List<NodeCpuTimes>();
        foreach (var line in File.ReadLines(Proc("stat")))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal))
            {
                break;
            }
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ulong Field(int index) => index < fields.Length ? ulong.Parse(fields[index], CultureInfo.InvariantCulture) : 0;
            int? cpu = fields[0] == "cpu" ? null : int.Parse(fields[0]["cpu".Length..], CultureInfo.InvariantCulture);
            // user nice system idle iowait irq softirq ...
            result.Add(new NodeCpuTimes(
                cpu,
                KernelNs: (Field(3) + Field(6) + Field(7)) * NanosecondsPerTick,
                UserNs: (Field(1) + Field(2)) * NanosecondsPerTick,
                IdleNs: Field(4) * NanosecondsPerTick,
                IowaitNs: Field(5) * NanosecondsPerTick));
        }
        return result;
    }

    // "MemTotal:  123 kB" (or "Node 0 MemTotal:  123 kB" with the prefix): values in KiB by key.
    private static Dictionary<string, ulong> ReadMeminfo(string file, string prefix)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(file))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var number = line[(colon + 1)..].Trim().Split(' ')[0];
            if (ulong.TryParse(number, CultureInfo.InvariantCulture, out var value))
            {
                values[line[prefix.Length..colon].Trim()] = value;
            }
        }
        return values;
    }

    private static string ReadOr(string file, string fallback)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return fallback;
        }
    }

    private static int? ParseInt(string text) => int.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : null;
}
