namespace Virt.Host;

/// <summary>
/// Cumulative CPU times in nanoseconds, as libvirt computes them from /proc/stat: kernel is system + irq + softirq,
/// user is user + nice.
/// </summary>
/// <param name="Cpu">The CPU number; null for the sum over all CPUs.</param>
/// <param name="KernelNs">Time in the kernel, interrupts included.</param>
/// <param name="UserNs">Time in user space, niced included.</param>
/// <param name="IdleNs">Idle time.</param>
/// <param name="IowaitNs">Idle time with I/O outstanding.</param>
public sealed record NodeCpuTimes(int? Cpu, ulong KernelNs, ulong UserNs, ulong IdleNs, ulong IowaitNs);
