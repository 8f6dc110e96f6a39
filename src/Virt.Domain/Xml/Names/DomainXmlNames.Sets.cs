using System.Collections.Frozen;

namespace Virt.Domain.Xml;

/// <summary>Open-ended value sets that libvirt validates as strings rather than enums.</summary>
public static partial class DomainXmlNames
{
    /// <summary>Architectures accepted in <c>&lt;os&gt;&lt;type arch&gt;</c> (libvirt's virArch names that QEMU emulates).</summary>
    public static readonly FrozenSet<string> Architectures = new[]
    {
        "i686", "x86_64", "aarch64", "armv6l", "armv7l", "armv7b", "ppc", "ppc64", "ppc64le", "s390", "s390x",
        "riscv32", "riscv64", "mips", "mipsel", "mips64", "mips64el", "sparc", "sparc64", "loongarch64",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Audio backend types accepted in <c>&lt;audio type&gt;</c>.</summary>
    public static readonly FrozenSet<string> AudioTypes = new[]
    {
        "none", "alsa", "coreaudio", "jack", "oss", "pulseaudio", "sdl", "spice", "file", "dbus", "pipewire",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Controller models accepted per controller type (libvirt's per-type model enums).</summary>
    public static readonly FrozenDictionary<ControllerType, IReadOnlyList<string>> ControllerModels = new Dictionary<ControllerType, IReadOnlyList<string>>
    {
        [global::Virt.Domain.ControllerType.Ide] = ["piix3", "piix4", "ich6"],
        [global::Virt.Domain.ControllerType.Fdc] = [],
        [global::Virt.Domain.ControllerType.Scsi] = ["auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "virtio-scsi", "lsisas1078", "virtio-transitional", "virtio-non-transitional", "ncr53c90", "am53c974", "dc390"],
        [global::Virt.Domain.ControllerType.Sata] = [],
        [global::Virt.Domain.ControllerType.VirtioSerial] = ["virtio", "virtio-transitional", "virtio-non-transitional"],
        [global::Virt.Domain.ControllerType.Usb] = ["piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", "vt82c686b-uhci", "pci-ohci", "nec-xhci", "qusb1", "qusb2", "qemu-xhci", "none"],
        [global::Virt.Domain.ControllerType.Pci] = ["pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port", "pci-expander-bus", "pcie-expander-bus", "pcie-to-pci-bridge"],
        [global::Virt.Domain.ControllerType.Ccid] = [],
    }.ToFrozenDictionary();
}
