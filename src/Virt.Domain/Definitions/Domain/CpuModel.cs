namespace Virt.Domain;

/// <summary>A named CPU model.</summary>
/// <param name="Name">Model name, e.g. <c>Skylake-Client</c>.</param>
/// <param name="Fallback">Whether a substitute is allowed.</param>
public sealed record CpuModel(string Name, CpuModelFallback? Fallback);
