namespace Virt.Domain;

/// <summary>A huge page size, optionally for some guest NUMA nodes.</summary>
/// <param name="SizeKiB">Page size in KiB.</param>
/// <param name="Nodeset">Guest NUMA nodes, or null for all.</param>
public sealed record HugePage(ulong SizeKiB, string? Nodeset);
