namespace Virt.Domain;

/// <summary>Policy for one guest NUMA cell.</summary>
/// <param name="CellId">Guest cell id.</param>
/// <param name="Mode">Allocation mode.</param>
/// <param name="Nodeset">Host nodes.</param>
public sealed record NumaMemNode(uint CellId, NumaMemoryMode Mode, string Nodeset);
