namespace Virt.Domain;

/// <summary>Memory access mode of a guest NUMA cell.</summary>
public enum NumaMemAccess
{
    /// <summary>XML value <c>shared</c>.</summary>
    Shared,

    /// <summary>XML value <c>private</c>.</summary>
    Private,
}
