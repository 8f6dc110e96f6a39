namespace Virt.Domain;

/// <summary>Bus of an input device.</summary>
public enum InputBus
{
    /// <summary>XML value <c>ps2</c>.</summary>
    Ps2,

    /// <summary>XML value <c>usb</c>.</summary>
    Usb,

    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,
}
