namespace Virt.Domain.Network;

/// <summary>How a virtual network reaches the outside.</summary>
public enum NetworkForwardMode
{
    /// <summary>XML value <c>nat</c>.</summary>
    Nat,

    /// <summary>XML value <c>route</c>.</summary>
    Route,

    /// <summary>XML value <c>open</c>.</summary>
    Open,

    /// <summary>XML value <c>bridge</c>.</summary>
    Bridge,
}
