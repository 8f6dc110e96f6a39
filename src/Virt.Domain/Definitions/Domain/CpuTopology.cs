namespace Virt.Domain;

/// <summary>CPU topology; libvirt writes <c>dies='1'</c> when absent.</summary>
/// <param name="Sockets">Sockets.</param>
/// <param name="Dies">Dies per socket.</param>
/// <param name="Cores">Cores per die.</param>
/// <param name="Threads">Threads per core.</param>
public sealed record CpuTopology(uint Sockets, uint Dies, uint Cores, uint Threads);
