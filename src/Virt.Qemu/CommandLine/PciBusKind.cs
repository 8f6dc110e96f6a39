namespace Virt.Qemu.CommandLine;

/// <summary>Kinds of PCI buses the assigner places devices on.</summary>
public enum PciBusKind
{
    /// <summary>The root bus (pci.0 on i440fx, pcie.0 on q35).</summary>
    Root,

    /// <summary>A pcie-root-port: one slot (0), one device.</summary>
    RootPort,

    /// <summary>A pci-bridge: slots 1–31.</summary>
    PciBridge,
}
