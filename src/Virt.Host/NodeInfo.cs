namespace Virt.Host;

/// <summary>libvirt's virNodeInfo (virsh nodeinfo).</summary>
/// <param name="Model">The CPU architecture, e.g. <c>x86_64</c>.</param>
/// <param name="MemoryKib">Memory of all NUMA cells, KiB (libvirt sums the cells, not /proc/meminfo).</param>
/// <param name="Cpus">Online CPUs.</param>
/// <param name="Mhz">The first CPU's frequency, whole MHz; 0 when unknown.</param>
/// <param name="Nodes">NUMA cells.</param>
/// <param name="Sockets">Sockets per cell.</param>
/// <param name="Cores">Cores per socket.</param>
/// <param name="Threads">Threads per core.</param>
public sealed record NodeInfo(string Model, ulong MemoryKib, int Cpus, int Mhz, int Nodes, int Sockets, int Cores, int Threads);
