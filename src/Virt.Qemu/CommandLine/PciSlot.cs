using System.Globalization;
using System.Text.Json.Nodes;

namespace Virt.Qemu.CommandLine;

/// <summary>Where a PCI device is plugged: the qdev id of its bus, the slot and the function.</summary>
/// <param name="Bus">The bus id, e.g. <c>pci.0</c>, <c>pcie.0</c> or a bridge's <c>pci.3</c>.</param>
/// <param name="Slot">Slot (0–31).</param>
/// <param name="Function">Function (0–7).</param>
/// <param name="Multifunction">Whether function 0 announces further functions.</param>
public readonly record struct PciSlot(string Bus, int Slot, int Function, bool Multifunction = false)
{
    /// <summary>QEMU's <c>addr</c> spelling, as libvirt writes it: <c>0x4</c> or <c>0x1.0x2</c>.</summary>
    public string Addr => Function == 0
        ? string.Create(CultureInfo.InvariantCulture, $"0x{Slot:x}")
        : string.Create(CultureInfo.InvariantCulture, $"0x{Slot:x}.0x{Function:x}");

    /// <summary>Adds <c>bus</c>, <c>multifunction</c> and <c>addr</c> to a device's properties.</summary>
    public void WriteTo(JsonObject properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        properties["bus"] = Bus;
        if (Multifunction)
        {
            properties["multifunction"] = true;
        }
        properties["addr"] = Addr;
    }
}
