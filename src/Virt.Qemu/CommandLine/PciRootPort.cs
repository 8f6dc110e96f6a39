namespace Virt.Qemu.CommandLine;

/// <summary>A pcie-root-port the assigner added or placed, with the values libvirt would give it.</summary>
/// <param name="Index">Controller index; the bus it provides is <c>pci.{Index}</c>.</param>
/// <param name="Chassis">Chassis number (libvirt: the index).</param>
/// <param name="Port">Port number (libvirt: slot × 8 + function of the port on pcie.0).</param>
/// <param name="Address">Where the port itself sits on pcie.0.</param>
public sealed record PciRootPort(uint Index, uint Chassis, uint Port, PciSlot Address);
