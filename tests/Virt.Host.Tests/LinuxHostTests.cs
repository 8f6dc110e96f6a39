using System.Globalization;
using Virt.Driver;

namespace Virt.Host.Tests;

/// <summary>
/// LinuxHost against a laid-out /proc and /sys (a two-cell, four-CPU host with huge pages, numbers chosen by hand), and
/// against this machine's own files.
/// </summary>
public sealed class LinuxHostTests
{
    private string _root = null!;

    [SetUp]
    public void LayOutHost()
    {
        _root = Directory.CreateTempSubdirectory("virt-host-").FullName;
        Write("proc/meminfo", "MemTotal:        8000000 kB\nMemFree:         6000000 kB\nMemAvailable:    7000000 kB\nBuffers:           10000 kB\nCached:           500000 kB\n");
        Write("proc/stat", "cpu  100 5 30 400 7 2 1 0 0 0\ncpu0 50 5 15 200 3 1 1 0 0 0\ncpu1 50 0 15 200 4 1 0 0 0 0\nintr 1 2 3\n");
        Write("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nstepping\t: 7\ncpu MHz\t\t: 2399.998\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n");
        Write("sys/devices/system/cpu/online", "0-3\n");
        for (var cpu = 0; cpu < 4; cpu++)
        {
            // Two sockets (one per cell), two cores each, one thread per core.
            Write($"sys/devices/system/cpu/cpu{cpu}/topology/physical_package_id", (cpu / 2).ToString(CultureInfo.InvariantCulture));
            Write($"sys/devices/system/cpu/cpu{cpu}/topology/core_id", (cpu % 2).ToString(CultureInfo.InvariantCulture));
            Write($"sys/devices/system/cpu/cpu{cpu}/topology/die_id", "0");
            Write($"sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list", cpu.ToString(CultureInfo.InvariantCulture));
        }
        Write("sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:        4000000 kB\nNode 0 MemFree:         3000000 kB\n");
        Write("sys/devices/system/node/node0/cpulist", "0-1\n");
        Write("sys/devices/system/node/node0/distance", "10 21\n");
        Write("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "100\n");
        Write("sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:        3999000 kB\nNode 1 MemFree:         2900000 kB\n");
        Write("sys/devices/system/node/node1/cpulist", "2-3\n");
        Write("sys/devices/system/node/node1/distance", "21 10\n");
        Write("sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
        Directory.CreateDirectory(Path.Combine(_root, "sys/kernel/mm/hugepages/hugepages-2048kB"));
        Write("etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
    }

    [TearDown]
    public void Remove() => Directory.Delete(_root, recursive: true);

    [Test]
    public void Nodeinfo_counts_cells_sockets_cores_and_threads_and_sums_cell_memory()
    {
        var info = new LinuxHost(_root).GetNodeInfo();

        Assert.That(info, Is.EqualTo(new NodeInfo(LinuxHost.Architecture, 7_999_000, Cpus: 4, Mhz: 2399, Nodes: 2, Sockets: 1, Cores: 2, Threads: 1)));
    }

    [Test]
    public void Memory_stats_of_the_host_and_of_one_cell()
    {
        var host = new LinuxHost(_root);

        Assert.That(host.GetMemoryStats(null), Is.EqualTo(new NodeMemoryStats(8_000_000, 6_000_000, 10_000, 500_000)));
        Assert.That(host.GetMemoryStats(1), Is.EqualTo(new NodeMemoryStats(3_999_000, 2_900_000, null, null)));
        var ex = Assert.Throws<VirtException>(() => host.GetMemoryStats(2));
        Assert.That(ex!.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
        Assert.That(ex.Message, Is.EqualTo("cellNum in virHostMemGetStats must be less than or equal to 1"));
    }

    [Test]
    public void Free_memory_is_each_cells_and_their_sum_or_the_hosts_as_cell_0_without_numa()
    {
        var (total, cells) = new LinuxHost(_root).GetFreeMemory();
        Assert.That((total, cells), Is.EqualTo((5_900_000UL, new[] { (0, 3_000_000UL), (1, 2_900_000UL) })));

        Directory.Delete(Path.Combine(_root, "sys/devices/system/node"), recursive: true);
        var (flatTotal, flatCells) = new LinuxHost(_root).GetFreeMemory();
        Assert.That((flatTotal, flatCells), Is.EqualTo((6_000_000UL, new[] { (0, 6_000_000UL) })));
    }

    [Test]
    public void Cpu_times_follow_libvirts_sums_in_nanoseconds()
    {
        var host = new LinuxHost(_root);

        // kernel = system + irq + softirq; user = user + nice; ticks of 10 ms.
        Assert.That(host.GetCpuTimes(null), Is.EqualTo(new NodeCpuTimes(null, 330_000_000, 1_050_000_000, 4_000_000_000, 70_000_000)));
        Assert.That(host.GetCpuTimes(1), Is.EqualTo(new NodeCpuTimes(1, 160_000_000, 500_000_000, 2_000_000_000, 40_000_000)));
        Assert.That(host.GetPerCpuTimes().Select(t => t.Cpu), Is.EqualTo(new int?[] { 0, 1 }));
        var ex = Assert.Throws<VirtException>(() => host.GetCpuTimes(9));
        Assert.That(ex!.Message, Is.EqualTo("Invalid cpuNum in virHostCPUGetStatsLinux"));
    }

    [Test]
    public void Topology_has_each_cell_with_its_cpus_pages_and_distances()
    {
        var topology = new LinuxHost(_root).GetTopology();

        Assert.That(topology.Cells.Select(c => c.Id), Is.EqualTo(new[] { 0, 1 }));
        var cell0 = topology.Cells[0];
        Assert.That(cell0.Cpus.Select(c => (c.Id, c.SocketId, c.CoreId)), Is.EqualTo(new[] { (0, 0, 0), (1, 0, 1) }));
        // 100 huge pages of 2 MiB hold 204,800 KiB; the rest is counted in base pages.
        Assert.That(cell0.Pages, Is.EqualTo(new[] { new PageCount(4, (4_000_000 - 204_800) / 4), new PageCount(2048, 100) }));
        Assert.That(cell0.Distances, Is.EqualTo(new[] { new CellDistance(0, 10), new CellDistance(1, 21) }));
        Assert.That(topology.Cells[1].Cpus.Select(c => c.SocketId), Is.EqualTo(new[] { 1, 1 }));
    }

    [Test]
    public void Cpu_identity_and_host_uuid()
    {
        var host = new LinuxHost(_root);

        Assert.That(host.GetCpuIdentity(), Is.EqualTo(new CpuIdentity("Intel", 6, 85, 7)));
        Assert.That(host.GetHostUuid(), Is.EqualTo("3d1219c7-c4c5-404a-aa1f-6d2a48adfda4"));
    }

    [Test]
    public void This_machine_reads_consistently()
    {
        var host = new LinuxHost();
        var info = host.GetNodeInfo();
        var topology = host.GetTopology();

        Assert.That(info.Cpus, Is.EqualTo(topology.Cpus.Count()));
        Assert.That(info.Nodes * info.Sockets * info.Cores * info.Threads, Is.EqualTo(info.Cpus));
        Assert.That(info.MemoryKib, Is.EqualTo(topology.Cells.Aggregate(0UL, (sum, c) => sum + c.MemoryKib)));
        Assert.That(host.GetPerCpuTimes(), Has.Count.EqualTo(info.Cpus));
        Assert.That(host.GetMemoryStats(null).TotalKib, Is.GreaterThanOrEqualTo(host.GetMemoryStats(0).TotalKib));
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
