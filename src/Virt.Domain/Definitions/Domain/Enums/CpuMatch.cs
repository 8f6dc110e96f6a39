namespace Virt.Domain;

/// <summary>How strictly a custom CPU model must match.</summary>
public enum CpuMatch
{
    /// <summary>XML value <c>minimum</c>.</summary>
    Minimum,

    /// <summary>XML value <c>exact</c>.</summary>
    Exact,

    /// <summary>XML value <c>strict</c>.</summary>
    Strict,
}
