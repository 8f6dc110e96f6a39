namespace Virt.Host;

/// <summary>The host CPU's vendor and signature, from the first processor in /proc/cpuinfo.</summary>
/// <param name="Vendor">libvirt's vendor name (<c>Intel</c>, <c>AMD</c>, …), or null when unknown.</param>
/// <param name="Family">The CPU family (cpuid signature), or null when unknown.</param>
/// <param name="Model">The model number.</param>
/// <param name="Stepping">The stepping.</param>
public sealed record CpuIdentity(string? Vendor, int? Family, int? Model, int? Stepping);
