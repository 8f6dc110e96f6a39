namespace Virt.Domain;

/// <summary>A guest NUMA cell.</summary>
/// <param name="Id">Cell id.</param>
/// <param name="Cpus">vCPUs in the cell (cpuset syntax).</param>
/// <param name="MemoryKiB">Memory in KiB.</param>
/// <param name="MemAccess">Shared or private mapping.</param>
public sealed record NumaCell(uint? Id, string? Cpus, ulong MemoryKiB, NumaMemAccess? MemAccess);
