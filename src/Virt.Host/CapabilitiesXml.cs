using System.Globalization;
using System.Text;
using Virt.Qemu.Capabilities;

namespace Virt.Host;

/// <summary>
/// virConnectGetCapabilities for the QEMU driver, in libvirt's element order and indentation: the host (CPU vendor,
/// signature, topology and page sizes, NUMA cells, security model) and one <c>&lt;guest&gt;</c> per emulator with the
/// machine types QEMU reported.
/// </summary>
/// <remarks>
/// The host CPU has no <c>&lt;model&gt;</c> or <c>&lt;feature&gt;</c> list: libvirt derives those from its CPU map
/// (cpu_map/*.xml), which Virt does not carry. Migration features are left out until migration exists.
/// </remarks>
public static class CapabilitiesXml
{
    /// <summary>The whole document, ending in a newline as libvirt's does.</summary>
    /// <param name="host">The host to describe.</param>
    /// <param name="emulators">Each emulator's probed capabilities (one guest element each).</param>
    /// <param name="kvmUsable">Whether KVM guests work here (adds <c>&lt;domain type='kvm'/&gt;</c>).</param>
    public static string Format(LinuxHost host, IReadOnlyList<QemuCapabilities> emulators, bool kvmUsable)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(emulators);
        var info = host.GetNodeInfo();
        var topology = host.GetTopology();
        var cpu = host.GetCpuIdentity();
        var x = new StringBuilder();
        x.Append("<capabilities>\n\n  <host>\n");
        if (host.GetHostUuid() is { } uuid)
        {
            x.Append("    <uuid>").Append(uuid).Append("</uuid>\n");
        }
        x.Append("    <cpu>\n      <arch>").Append(LinuxHost.Architecture).Append("</arch>\n");
        if (cpu.Vendor is not null)
        {
            x.Append("      <vendor>").Append(Escape(cpu.Vendor)).Append("</vendor>\n");
        }
        if (cpu.Family is { } family && cpu.Model is { } model && cpu.Stepping is { } stepping)
        {
            x.Append(Invariant($"      <signature family='{family}' model='{model}' stepping='{stepping}'/>\n"));
        }
        x.Append(Invariant($"      <topology sockets='{info.Sockets * info.Nodes}' dies='1' cores='{info.Cores}' threads='{info.Threads}'/>\n"));
        var pageSizes = topology.Cells.SelectMany(c => c.Pages).Select(p => p.SizeKib).Distinct().Order();
        foreach (var size in pageSizes)
        {
            x.Append(Invariant($"      <pages unit='KiB' size='{size}'/>\n"));
        }
        x.Append("    </cpu>\n    <power_management/>\n");
        x.Append("    <iommu support='").Append(host.HasIommu() ? "yes" : "no").Append("'/>\n");
        x.Append(Invariant($"    <topology>\n      <cells num='{topology.Cells.Count}'>\n"));
        foreach (var cell in topology.Cells)
        {
            x.Append(Invariant($"        <cell id='{cell.Id}'>\n          <memory unit='KiB'>{cell.MemoryKib}</memory>\n"));
            foreach (var pages in cell.Pages)
            {
                x.Append(Invariant($"          <pages unit='KiB' size='{pages.SizeKib}'>{pages.Count}</pages>\n"));
            }
            if (cell.Distances.Count > 0)
            {
                x.Append("          <distances>\n");
                foreach (var distance in cell.Distances)
                {
                    x.Append(Invariant($"            <sibling id='{distance.Id}' value='{distance.Value}'/>\n"));
                }
                x.Append("          </distances>\n");
            }
            x.Append(Invariant($"          <cpus num='{cell.Cpus.Count}'>\n"));
            foreach (var c in cell.Cpus)
            {
                x.Append(Invariant($"            <cpu id='{c.Id}' socket_id='{c.SocketId}' die_id='{c.DieId}' core_id='{c.CoreId}' siblings='{c.Siblings}'/>\n"));
            }
            x.Append("          </cpus>\n        </cell>\n");
        }
        x.Append("      </cells>\n    </topology>\n");
        // libvirt's QEMU driver reports model "none" when neither SELinux nor AppArmor confines guests; neither does Virt.
        x.Append("    <secmodel>\n      <model>none</model>\n      <doi>0</doi>\n    </secmodel>\n  </host>\n\n");
        foreach (var emulator in emulators)
        {
            AppendGuest(x, emulator, kvmUsable);
        }
        x.Append("</capabilities>\n");
        return x.ToString();
    }

    /// <summary>
    /// Machine types as libvirt lists them: the default first (then its alias), then the rest by name, without QEMU's
    /// <c>none</c> (no machine at all), which no guest can use.
    /// </summary>
    public static IEnumerable<QemuMachineType> MachinesInLibvirtOrder(QemuCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        return capabilities.Machines.Where(m => m.Name != "none").OrderBy(m => m.IsDefault ? 0 : 1).ThenBy(m => m.Name, StringComparer.Ordinal);
    }

    private static void AppendGuest(StringBuilder x, QemuCapabilities emulator, bool kvmUsable)
    {
        x.Append("  <guest>\n    <os_type>hvm</os_type>\n    <arch name='x86_64'>\n      <wordsize>64</wordsize>\n");
        x.Append("      <emulator>").Append(Escape(emulator.Binary)).Append("</emulator>\n");
        foreach (var machine in MachinesInLibvirtOrder(emulator))
        {
            var deprecated = machine.Deprecated ? " deprecated='yes'" : "";
            x.Append(Invariant($"      <machine maxCpus='{machine.MaxCpus}'{deprecated}>{Escape(machine.Name)}</machine>\n"));
            if (machine.Alias is { } alias)
            {
                x.Append(Invariant($"      <machine canonical='{Escape(machine.Name)}' maxCpus='{machine.MaxCpus}'{deprecated}>{Escape(alias)}</machine>\n"));
            }
        }
        x.Append("      <domain type='qemu'/>\n");
        if (kvmUsable && emulator.KvmSupported)
        {
            x.Append("      <domain type='kvm'/>\n");
        }
        x.Append("    </arch>\n    <features>\n");
        x.Append("      <acpi default='on' toggle='yes'/>\n      <apic default='on' toggle='no'/>\n");
        x.Append("      <cpuselection/>\n      <deviceboot/>\n      <disksnapshot default='on' toggle='no'/>\n");
        x.Append("    </features>\n  </guest>\n\n");
    }

    internal static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("'", "&apos;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
