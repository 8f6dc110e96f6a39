namespace Virt.Qemu.CommandLine;

/// <summary>What kind of PCI slot a device wants.</summary>
public enum PciConnection
{
    /// <summary>A PCI Express endpoint: on q35 it gets a pcie-root-port of its own, so it can be unplugged.</summary>
    Express,

    /// <summary>A conventional PCI device: a slot on the root bus or a pci-bridge.</summary>
    Conventional,
}
