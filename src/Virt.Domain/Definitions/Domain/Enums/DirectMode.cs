namespace Virt.Domain;

/// <summary>macvtap mode of a <c>direct</c> interface.</summary>
public enum DirectMode
{
    /// <summary>XML value <c>vepa</c>.</summary>
    Vepa,

    /// <summary>XML value <c>bridge</c>.</summary>
    Bridge,

    /// <summary>XML value <c>private</c>.</summary>
    Private,

    /// <summary>XML value <c>passthrough</c>.</summary>
    Passthrough,
}
