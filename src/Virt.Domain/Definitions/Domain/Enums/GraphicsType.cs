namespace Virt.Domain;

/// <summary>Remote display protocol.</summary>
public enum GraphicsType
{
    /// <summary>XML value <c>vnc</c>.</summary>
    Vnc,

    /// <summary>XML value <c>spice</c>.</summary>
    Spice,
}
