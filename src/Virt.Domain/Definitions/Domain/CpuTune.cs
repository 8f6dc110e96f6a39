namespace Virt.Domain;

/// <summary>CPU scheduling (<c>&lt;cputune&gt;</c>).</summary>
public sealed record CpuTune
{
    /// <summary>Relative CPU weight.</summary>
    public ulong? Shares { get; init; }

    /// <summary>Enforcement period in microseconds.</summary>
    public ulong? Period { get; init; }

    /// <summary>Quota per period in microseconds; negative means unlimited.</summary>
    public long? Quota { get; init; }

    /// <summary>Per-vCPU pinning.</summary>
    public ValueList<VcpuPin> VcpuPins { get; init; } = ValueList<VcpuPin>.Empty;

    /// <summary>Emulator thread pinning, libvirt cpuset syntax.</summary>
    public string? EmulatorPin { get; init; }
}
