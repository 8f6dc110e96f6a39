namespace Virt.Domain;

/// <summary>How vCPUs are placed on host CPUs.</summary>
public enum VcpuPlacement
{
    /// <summary>XML value <c>static</c>.</summary>
    Static,

    /// <summary>XML value <c>auto</c>.</summary>
    Auto,
}
