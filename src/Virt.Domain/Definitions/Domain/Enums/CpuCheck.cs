namespace Virt.Domain;

/// <summary>How the guest CPU is checked against the host.</summary>
public enum CpuCheck
{
    /// <summary>XML value <c>none</c>.</summary>
    None,

    /// <summary>XML value <c>partial</c>.</summary>
    Partial,

    /// <summary>XML value <c>full</c>.</summary>
    Full,
}
