namespace Virt.Domain;

/// <summary>One CPU feature adjustment.</summary>
/// <param name="Policy">Policy.</param>
/// <param name="Name">Feature name.</param>
public sealed record CpuFeature(CpuFeaturePolicy Policy, string Name);
