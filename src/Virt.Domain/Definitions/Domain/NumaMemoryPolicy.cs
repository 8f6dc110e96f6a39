namespace Virt.Domain;

/// <summary>The <c>&lt;numatune&gt;&lt;memory&gt;</c> policy.</summary>
/// <param name="Mode">Allocation mode.</param>
/// <param name="Nodeset">Host nodes.</param>
/// <param name="Placement">Static or automatic placement.</param>
public sealed record NumaMemoryPolicy(NumaMemoryMode? Mode, string? Nodeset, NumaPlacement? Placement);
