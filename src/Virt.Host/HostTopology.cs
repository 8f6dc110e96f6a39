namespace Virt.Host;

/// <summary>The host's NUMA cells with their CPUs and memory (capabilities' <c>&lt;topology&gt;</c>).</summary>
public sealed record HostTopology(IReadOnlyList<NumaCell> Cells)
{
    /// <summary>Every online CPU of every cell.</summary>
    public IEnumerable<HostCpu> Cpus => Cells.SelectMany(c => c.Cpus);
}

/// <summary>One NUMA cell.</summary>
/// <param name="Id">The node number.</param>
/// <param name="MemoryKib">Its memory (MemTotal of the node's meminfo).</param>
/// <param name="FreeKib">Its free memory.</param>
/// <param name="Pages">Pages by size: the base page count (memory not held by huge pages) and each huge page pool.</param>
/// <param name="Distances">Distance to each node, by node number (from the node's <c>distance</c> file).</param>
/// <param name="Cpus">Its online CPUs.</param>
public sealed record NumaCell(int Id, ulong MemoryKib, ulong FreeKib, IReadOnlyList<PageCount> Pages, IReadOnlyList<CellDistance> Distances, IReadOnlyList<HostCpu> Cpus);

/// <summary>How many pages of one size a cell has.</summary>
public sealed record PageCount(ulong SizeKib, ulong Count);

/// <summary>The distance from a cell to another one.</summary>
public sealed record CellDistance(int Id, int Value);

/// <summary>One online CPU and where it sits.</summary>
/// <param name="Id">The CPU number.</param>
/// <param name="SocketId">Its physical package.</param>
/// <param name="DieId">Its die in the package.</param>
/// <param name="CoreId">Its core in the package.</param>
/// <param name="Siblings">Its thread siblings in kernel list form, e.g. <c>0</c> or <c>0-1</c>.</param>
public sealed record HostCpu(int Id, int SocketId, int DieId, int CoreId, string Siblings);
