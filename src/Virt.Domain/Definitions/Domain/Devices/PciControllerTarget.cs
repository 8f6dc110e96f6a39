namespace Virt.Domain;

/// <summary>PCI controller target options (<c>&lt;target&gt;</c>).</summary>
public sealed record PciControllerTarget
{
    /// <summary>Chassis number of a pci-bridge.</summary>
    public uint? ChassisNr { get; init; }

    /// <summary>Chassis of a root/downstream port.</summary>
    public uint? Chassis { get; init; }

    /// <summary>Port of a root/downstream port.</summary>
    public uint? Port { get; init; }

    /// <summary>Bus number of an expander bus.</summary>
    public uint? BusNr { get; init; }

    /// <summary>Hotplug support.</summary>
    public bool? Hotplug { get; init; }
}
