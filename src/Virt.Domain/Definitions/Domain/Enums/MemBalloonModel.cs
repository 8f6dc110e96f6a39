namespace Virt.Domain;

/// <summary>Memory balloon device model.</summary>
public enum MemBalloonModel
{
    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,

    /// <summary>XML value <c>virtio-transitional</c>.</summary>
    VirtioTransitional,

    /// <summary>XML value <c>virtio-non-transitional</c>.</summary>
    VirtioNonTransitional,

    /// <summary>XML value <c>none</c>.</summary>
    None,
}
