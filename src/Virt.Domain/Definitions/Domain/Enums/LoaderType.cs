namespace Virt.Domain;

/// <summary>Firmware loader kind.</summary>
public enum LoaderType
{
    /// <summary>XML value <c>rom</c>.</summary>
    Rom,

    /// <summary>XML value <c>pflash</c>.</summary>
    Pflash,
}
