namespace Virt.Domain;

/// <summary>Pins one vCPU to host CPUs.</summary>
/// <param name="Vcpu">vCPU number.</param>
/// <param name="CpuSet">Host CPUs, libvirt cpuset syntax.</param>
public sealed record VcpuPin(uint Vcpu, string CpuSet);
