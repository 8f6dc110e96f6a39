namespace Virt.Domain;

/// <summary>Backend of a virtio NIC.</summary>
public enum InterfaceDriverName
{
    /// <summary>XML value <c>qemu</c>.</summary>
    Qemu,

    /// <summary>XML value <c>vhost</c>.</summary>
    Vhost,
}
