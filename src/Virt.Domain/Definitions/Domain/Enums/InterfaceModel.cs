namespace Virt.Domain;

/// <summary>Emulated NIC model.</summary>
public enum InterfaceModel
{
    /// <summary>XML value <c>virtio</c>.</summary>
    Virtio,

    /// <summary>XML value <c>virtio-transitional</c>.</summary>
    VirtioTransitional,

    /// <summary>XML value <c>virtio-non-transitional</c>.</summary>
    VirtioNonTransitional,

    /// <summary>XML value <c>e1000</c>.</summary>
    E1000,

    /// <summary>XML value <c>e1000e</c>.</summary>
    E1000e,

    /// <summary>XML value <c>igb</c>.</summary>
    Igb,

    /// <summary>XML value <c>rtl8139</c>.</summary>
    Rtl8139,

    /// <summary>XML value <c>ne2k_pci</c>.</summary>
    Ne2kPci,

    /// <summary>XML value <c>pcnet</c>.</summary>
    Pcnet,

    /// <summary>XML value <c>vmxnet3</c>.</summary>
    Vmxnet3,

    /// <summary>XML value <c>usb-net</c>.</summary>
    UsbNet,
}
