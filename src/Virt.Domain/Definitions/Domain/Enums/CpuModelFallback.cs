namespace Virt.Domain;

/// <summary>Whether a different CPU model may be substituted.</summary>
public enum CpuModelFallback
{
    /// <summary>XML value <c>allow</c>.</summary>
    Allow,

    /// <summary>XML value <c>forbid</c>.</summary>
    Forbid,
}
