namespace Virt.Domain;

/// <summary>Guest side of a channel.</summary>
public enum ChannelTargetType
{
    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,

    /// <summary>XML value <c>guestfwd</c>.</summary>
    Guestfwd,
}
