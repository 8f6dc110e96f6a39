using System.Text;
using Virt.Driver;
using Virt.Qemu.Capabilities;
using static Virt.Host.CapabilitiesXml;

namespace Virt.Host;

/// <summary>
/// virConnectGetDomainCapabilities for one QEMU binary, machine type and virtualization type, in libvirt's shape:
/// vCPU ceiling of the machine, CPU modes with the probed CPU models and whether TCG can run each, and the device models
/// the binary can instantiate. Refusals use libvirt's words (virsh prints them after <c>error: </c>).
/// </summary>
/// <remarks>
/// host-model is reported unsupported: libvirt computes it from its CPU map, which Virt does not carry. Device enums
/// list a value only when QEMU has the device type behind it (from <c>qom-list-types</c>).
/// </remarks>
public static class DomainCapabilitiesXml
{
    /// <summary>The document, ending in a newline.</summary>
    /// <param name="emulator">The probed binary.</param>
    /// <param name="arch">The requested architecture; empty for the host's.</param>
    /// <param name="machine">The requested machine type or alias; empty for QEMU's default.</param>
    /// <param name="virtType"><c>qemu</c> or <c>kvm</c>; empty for kvm when usable, else qemu.</param>
    /// <param name="kvmUsable">Whether KVM guests work on this host.</param>
    /// <exception cref="VirtException">InvalidArgument: an architecture, machine or virtualization type the binary cannot serve.</exception>
    public static string Format(QemuCapabilities emulator, string arch, string machine, string virtType, bool kvmUsable)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        if (!string.IsNullOrEmpty(arch) && arch != "x86_64")
        {
            throw Invalid($"unsupported configuration: unable to find any emulator to serve '{arch}' architecture", "arch", arch);
        }
        var kvm = kvmUsable && emulator.KvmSupported;
        var type = string.IsNullOrEmpty(virtType) ? (kvm ? "kvm" : "qemu") : virtType;
        if (type is not ("qemu" or "kvm"))
        {
            throw Invalid($"invalid argument: unknown virttype: {type}", "virttype", type);
        }
        if (type == "kvm" && !kvm)
        {
            throw Invalid($"invalid argument: the accel 'kvm' is not supported by '{emulator.Binary}' on this host", "virttype", type);
        }
        var resolved = string.IsNullOrEmpty(machine) ? emulator.DefaultMachine ?? emulator.Machines[0] : emulator.FindMachine(machine)
            ?? throw Invalid($"invalid argument: the machine '{machine}' is not supported by emulator '{emulator.Binary}'", "machine", machine);

        var x = new StringBuilder();
        x.Append("<domainCapabilities>\n");
        x.Append("  <path>").Append(Escape(emulator.Binary)).Append("</path>\n");
        x.Append("  <domain>").Append(type).Append("</domain>\n");
        x.Append("  <machine>").Append(Escape(resolved.Name)).Append("</machine>\n");
        x.Append("  <arch>x86_64</arch>\n");
        x.Append(Invariant($"  <vcpu max='{resolved.MaxCpus}'/>\n"));
        x.Append("  <iothreads supported='yes'/>\n");
        x.Append("  <os supported='yes'>\n    <loader supported='no'/>\n  </os>\n");
        x.Append("  <cpu>\n");
        x.Append("    <mode name='host-passthrough' supported='").Append(type == "kvm" ? "yes" : "no").Append("'/>\n");
        x.Append("    <mode name='maximum' supported='yes'>\n      <enum name='maximumMigratable'>\n        <value>on</value>\n        <value>off</value>\n      </enum>\n    </mode>\n");
        x.Append("    <mode name='host-model' supported='no'/>\n");
        x.Append("    <mode name='custom' supported='yes'>\n");
        foreach (var model in emulator.CpuModels.Where(IsNamedModel))
        {
            x.Append("      <model usable='").Append(model.Usable ? "yes" : "no").Append("'>").Append(Escape(model.Name)).Append("</model>\n");
        }
        x.Append("    </mode>\n  </cpu>\n");
        Enums(x, "  ", "memoryBacking", [("sourceType", [("file", "memory-backend-file"), ("anonymous", "memory-backend-ram"), ("memfd", "memory-backend-memfd")])], emulator);
        x.Append("  <devices>\n");
        Enums(x, "    ", "disk",
        [
            ("diskDevice", [("disk", null), ("cdrom", null), ("floppy", "isa-fdc")]),
            ("bus", [("ide", "ide-hd"), ("fdc", "isa-fdc"), ("scsi", "scsi-hd"), ("virtio", "virtio-blk-pci"), ("usb", "usb-storage"), ("sata", "ich9-ahci")]),
            ("model", [("virtio", "virtio-blk-pci"), ("virtio-transitional", "virtio-blk-pci-transitional"), ("virtio-non-transitional", "virtio-blk-pci-non-transitional")]),
        ], emulator);
        Enums(x, "    ", "video",
        [
            ("modelType", [("vga", "VGA"), ("cirrus", "cirrus-vga"), ("vmvga", "vmware-svga"), ("qxl", "qxl-vga"), ("virtio", "virtio-vga"), ("none", null), ("bochs", "bochs-display"), ("ramfb", "ramfb")]),
        ], emulator);
        // Virt does not pass host devices through.
        x.Append("    <hostdev supported='no'/>\n");
        Enums(x, "    ", "rng",
        [
            ("model", [("virtio", "virtio-rng-pci"), ("virtio-transitional", "virtio-rng-pci-transitional"), ("virtio-non-transitional", "virtio-rng-pci-non-transitional")]),
            ("backendModel", [("random", "rng-random"), ("egd", "rng-egd"), ("builtin", "rng-builtin")]),
        ], emulator);
        Enums(x, "    ", "filesystem", [("driverType", [("path", "virtio-9p-pci"), ("handle", "virtio-9p-pci"), ("virtiofs", "vhost-user-fs-pci")])], emulator);
        Enums(x, "    ", "tpm",
        [
            ("model", [("tpm-tis", "tpm-tis"), ("tpm-crb", "tpm-crb")]),
            ("backendModel", [("passthrough", "tpm-passthrough"), ("emulator", "tpm-emulator")]),
        ], emulator);
        Enums(x, "    ", "redirdev", [("bus", [("usb", "usb-redir")])], emulator);
        x.Append("    <channel supported='yes'>\n      <enum name='type'>\n        <value>pty</value>\n        <value>unix</value>\n      </enum>\n    </channel>\n");
        x.Append("  </devices>\n");
        x.Append("  <features>\n    <gic supported='no'/>\n");
        x.Append("    <vmcoreinfo supported='").Append(YesNo(emulator.HasDevice("vmcoreinfo"))).Append("'/>\n");
        x.Append("    <genid supported='").Append(YesNo(emulator.HasDevice("vmgenid"))).Append("'/>\n");
        x.Append("    <sev supported='no'/>\n    <sgx supported='no'/>\n  </features>\n");
        x.Append("</domainCapabilities>\n");
        return x.ToString();
    }

    // <NAME supported='yes'> with one enum per entry, each value listed when QEMU has its device type (null: always).
    // supported='no' (and no enums) when not a single value is available.
    private static void Enums(StringBuilder x, string indent, string name, (string Enum, (string Value, string? Device)[] Values)[] enums, QemuCapabilities emulator)
    {
        var available = enums.Select(e => (e.Enum, Values: e.Values.Where(v => v.Device is null || emulator.HasDevice(v.Device)).Select(v => v.Value).ToList())).ToList();
        if (available.All(e => e.Values.Count == 0 || e.Values.TrueForAll(v => enums.First(d => d.Enum == e.Enum).Values.First(d => d.Value == v).Device is null)))
        {
            x.Append(indent).Append('<').Append(name).Append(" supported='no'/>\n");
            return;
        }
        x.Append(indent).Append('<').Append(name).Append(" supported='yes'>\n");
        foreach (var (enumName, values) in available)
        {
            if (values.Count == 0)
            {
                x.Append(indent).Append("  <enum name='").Append(enumName).Append("'/>\n");
                continue;
            }
            x.Append(indent).Append("  <enum name='").Append(enumName).Append("'>\n");
            foreach (var value in values)
            {
                x.Append(indent).Append("    <value>").Append(value).Append("</value>\n");
            }
            x.Append(indent).Append("  </enum>\n");
        }
        x.Append(indent).Append("</").Append(name).Append(">\n");
    }

    // libvirt lists the named models of its CPU map: not QEMU's versioned aliases (Skylake-Client-v2) and not host, max
    // or base, which are modes rather than models.
    private static bool IsNamedModel(QemuCpuModel model)
    {
        var name = model.Name;
        var version = name.LastIndexOf("-v", StringComparison.Ordinal);
        var versioned = version > 0 && name.Length > version + 2 && name[(version + 2)..].All(char.IsAsciiDigit);
        return !versioned && name is not ("host" or "max" or "base");
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static VirtException Invalid(string message, string field, string value) =>
        new(VirtErrorReason.InvalidArgument, message, new Dictionary<string, string> { ["field"] = field, ["value"] = value });
}
