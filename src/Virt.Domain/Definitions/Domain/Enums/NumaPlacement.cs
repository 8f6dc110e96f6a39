namespace Virt.Domain;

/// <summary>Whether the NUMA nodeset is given or computed.</summary>
public enum NumaPlacement
{
    /// <summary>XML value <c>static</c>.</summary>
    Static,

    /// <summary>XML value <c>auto</c>.</summary>
    Auto,
}
