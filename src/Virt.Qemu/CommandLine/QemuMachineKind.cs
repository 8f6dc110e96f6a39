namespace Virt.Qemu.CommandLine;

/// <summary>The x86 machine families the argv builder knows how to lay out.</summary>
public enum QemuMachineKind
{
    /// <summary><c>pc</c> / <c>pc-i440fx-*</c>: conventional PCI, PIIX3 at slot 1 (IDE, USB, ACPI).</summary>
    I440fx,

    /// <summary><c>q35</c> / <c>pc-q35-*</c>: PCI Express root complex, ICH9 at slot 0x1f (SATA, LPC, SMBus).</summary>
    Q35,
}
