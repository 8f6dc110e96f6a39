namespace Virt.Host;

/// <summary>virsh nodememstats, KiB. A single cell has no buffers or cached figures (libvirt reads them from /proc/meminfo only).</summary>
public sealed record NodeMemoryStats(ulong TotalKib, ulong FreeKib, ulong? BuffersKib, ulong? CachedKib);
