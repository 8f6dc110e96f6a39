namespace Virt.Domain;

/// <summary>Host entropy source of an RNG device.</summary>
public enum RngBackendModel
{
    /// <summary>XML value <c>random</c>.</summary>
    Random,

    /// <summary>XML value <c>egd</c>.</summary>
    Egd,

    /// <summary>XML value <c>builtin</c>.</summary>
    Builtin,
}
