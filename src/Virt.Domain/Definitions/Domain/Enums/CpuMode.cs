namespace Virt.Domain;

/// <summary>Guest CPU configuration mode.</summary>
public enum CpuMode
{
    /// <summary>XML value <c>custom</c>.</summary>
    Custom,

    /// <summary>XML value <c>host-model</c>.</summary>
    HostModel,

    /// <summary>XML value <c>host-passthrough</c>.</summary>
    HostPassthrough,

    /// <summary>XML value <c>maximum</c>.</summary>
    Maximum,
}
