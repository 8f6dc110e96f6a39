namespace Virt.Domain;

/// <summary>Random number generator device model.</summary>
public enum RngModel
{
    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,

    /// <summary>XML value <c>virtio-transitional</c>.</summary>
    VirtioTransitional,

    /// <summary>XML value <c>virtio-non-transitional</c>.</summary>
    VirtioNonTransitional,
}
