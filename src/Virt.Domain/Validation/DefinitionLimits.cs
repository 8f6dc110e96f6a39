namespace Virt.Domain;

/// <summary>
/// Operator policy for guest definitions, checked by <see cref="DomainValidator"/>. The defaults follow what
/// QEMU can actually present to a guest, so a definition that passes them can also start.
/// </summary>
public sealed record DefinitionLimits
{
    /// <summary>The defaults described on each property.</summary>
    public static DefinitionLimits Default { get; } = new();

    /// <summary>
    /// Whether a guest may have more vCPUs than the host has CPUs. Off by default: QEMU/TCG and KVM both run
    /// such guests, but badly, and libvirt only warns about it.
    /// </summary>
    public bool AllowVcpuOvercommit { get; init; }

    /// <summary>Absolute vCPU ceiling: 288, QEMU's limit for the q35 machine type (i440fx allows 255).</summary>
    public uint MaxVcpus { get; init; } = 288;

    /// <summary>
    /// NICs per guest: 16. Every NIC takes a PCI slot; an i440fx root bus has 32 slots, some taken by fixed
    /// devices, so 16 leaves room for disks and controllers without PCI bridges.
    /// </summary>
    public int MaxInterfaces { get; init; } = 16;

    /// <summary>
    /// virtio-blk disks per guest: 28. Each needs its own PCI slot (or root port); 28 is what fits on an
    /// i440fx root bus beside the host bridge, ISA bridge, VGA and balloon.
    /// </summary>
    public int MaxVirtioDisks { get; init; } = 28;

    /// <summary>IDE disks per guest: 4, the two buses with two units each of the single PIIX IDE controller.</summary>
    public int MaxIdeDisks { get; init; } = 4;

    /// <summary>SATA disks per AHCI controller: 6, the ports of QEMU's ich9-ahci.</summary>
    public int MaxSataDisksPerController { get; init; } = 6;

    /// <summary>Largest guest memory in KiB; null for no policy limit.</summary>
    public ulong? MaxMemoryKiB { get; init; }
}
