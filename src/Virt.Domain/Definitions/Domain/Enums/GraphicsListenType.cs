namespace Virt.Domain;

/// <summary>What a display listens on.</summary>
public enum GraphicsListenType
{
    /// <summary>XML value <c>address</c>.</summary>
    Address,

    /// <summary>XML value <c>network</c>.</summary>
    Network,

    /// <summary>XML value <c>socket</c>.</summary>
    Socket,

    /// <summary>XML value <c>none</c>.</summary>
    None,
}
