namespace Virt.Domain;

/// <summary>Virtual CPUs (<c>&lt;vcpu&gt;</c>).</summary>
public sealed record VcpuSettings
{
    /// <summary>Maximum vCPUs.</summary>
    public uint Count { get; init; } = 1;

    /// <summary>vCPUs online at boot, if fewer than <see cref="Count"/>.</summary>
    public uint? Current { get; init; }

    /// <summary>Host CPUs the vCPUs may run on, libvirt cpuset syntax.</summary>
    public string? CpuSet { get; init; }

    /// <summary>Placement mode; libvirt writes <c>static</c> when absent.</summary>
    public VcpuPlacement Placement { get; init; } = VcpuPlacement.Static;
}
