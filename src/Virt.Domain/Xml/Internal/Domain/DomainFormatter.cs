using System.Globalization;
using System.Xml.Linq;

namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Writes a <see cref="DomainDefinition"/> in libvirt's element and attribute order.</summary>
internal static partial class DomainFormatter
{
    public static XElement Format(DomainDefinition d)
    {
        var root = new XElement("domain").Attr("type", DomainXmlNames.DomainType.ToXml(d.Type)).Attr("id", d.Id);
        root.Add(new XElement("name", d.Name), new XElement("uuid", CommonParsers.Uuid(d.Uuid)));
        root.TextChild("title", d.Title).TextChild("description", d.Description);
        if (d.Metadata.Count > 0)
        {
            var metadata = new XElement("metadata");
            metadata.AddAnnotation(new RawXml([.. d.Metadata.Select(m => m.Xml)]));
            root.Add(metadata);
        }
        if (d.MaxMemory is { } max)
        {
            root.Add(new XElement("maxMemory", CommonParsers.Number(max.SizeKiB)).Attr("slots", max.Slots).Attr("unit", "KiB"));
        }
        root.Add(Kib("memory", d.MemoryKiB), Kib("currentMemory", d.CurrentMemoryKiB));
        root.Child(MemTune(d.MemoryTune)).Child(Backing(d.MemoryBacking));
        root.Add(new XElement("vcpu", CommonParsers.Number(d.Vcpu.Count))
            .Attr("placement", DomainXmlNames.VcpuPlacement.ToXml(d.Vcpu.Placement))
            .Attr("cpuset", d.Vcpu.CpuSet)
            .Attr("current", d.Vcpu.Current));
        root.Child(CpuTune(d.CpuTune)).Child(NumaTune(d.NumaTune));
        if (d.ResourcePartition is not null)
        {
            root.Add(new XElement("resource", new XElement("partition", d.ResourcePartition)));
        }
        root.Add(Os(d.Os));
        root.Child(Features(d.Features)).Child(Cpu(d.Cpu));
        root.Add(Clock(d.Clock));
        root.Add(
            new XElement("on_poweroff", DomainXmlNames.LifecycleAction.ToXml(d.OnPoweroff)),
            new XElement("on_reboot", DomainXmlNames.LifecycleAction.ToXml(d.OnReboot)),
            new XElement("on_crash", DomainXmlNames.LifecycleAction.ToXml(d.OnCrash)));
        if (d.PowerManagement is { } pm)
        {
            var element = new XElement("pm");
            if (pm.SuspendToMem is { } mem)
            {
                element.Add(new XElement("suspend-to-mem").Attr("enabled", CommonParsers.YesNo(mem)));
            }
            if (pm.SuspendToDisk is { } disk)
            {
                element.Add(new XElement("suspend-to-disk").Attr("enabled", CommonParsers.YesNo(disk)));
            }
            root.Add(element);
        }
        root.Add(Devices(d.Devices));
        foreach (var label in d.SecurityLabels)
        {
            root.Add(new XElement("seclabel")
                .Attr("type", DomainXmlNames.SecurityLabelType.ToXml(label.Type))
                .Attr("model", label.Model)
                .Attr("relabel", label.Relabel is null ? null : CommonParsers.YesNo(label.Relabel.Value))
                .TextChild("label", label.Label)
                .TextChild("imagelabel", label.ImageLabel)
                .TextChild("baselabel", label.BaseLabel));
        }
        return root;
    }

    private static XElement Kib(string name, ulong kib) => new XElement(name, CommonParsers.Number(kib)).Attr("unit", "KiB");

    private static XElement? MemTune(MemoryTune? tune)
    {
        if (tune is null)
        {
            return null;
        }
        var element = new XElement("memtune");
        // libvirt's order: hard, soft, min_guarantee, swap_hard_limit.
        foreach (var (name, value) in new[] { ("hard_limit", tune.HardLimitKiB), ("soft_limit", tune.SoftLimitKiB), ("min_guarantee", tune.MinGuaranteeKiB), ("swap_hard_limit", tune.SwapHardLimitKiB) })
        {
            if (value is not null)
            {
                element.Add(Kib(name, value.Value));
            }
        }
        return element;
    }

    private static XElement? Backing(MemoryBacking? backing)
    {
        if (backing is null)
        {
            return null;
        }
        var element = new XElement("memoryBacking");
        if (backing.HugePages is { } pages)
        {
            element.Add(new XElement("hugepages", pages.Select(p => new XElement("page").Attr("size", p.SizeKiB).Attr("unit", "KiB").Attr("nodeset", p.Nodeset))));
        }
        if (backing.NoSharePages)
        {
            element.Add(new XElement("nosharepages"));
        }
        if (backing.Locked)
        {
            element.Add(new XElement("locked"));
        }
        return element;
    }

    private static XElement? CpuTune(CpuTune? tune)
    {
        if (tune is null)
        {
            return null;
        }
        var element = new XElement("cputune")
            .TextChild("shares", tune.Shares is null ? null : CommonParsers.Number(tune.Shares.Value))
            .TextChild("period", tune.Period is null ? null : CommonParsers.Number(tune.Period.Value))
            .TextChild("quota", tune.Quota is null ? null : CommonParsers.Number(tune.Quota.Value));
        foreach (var pin in tune.VcpuPins)
        {
            element.Add(new XElement("vcpupin").Attr("vcpu", pin.Vcpu).Attr("cpuset", pin.CpuSet));
        }
        if (tune.EmulatorPin is not null)
        {
            element.Add(new XElement("emulatorpin").Attr("cpuset", tune.EmulatorPin));
        }
        return element;
    }

    private static XElement? NumaTune(NumaTune? tune)
    {
        if (tune is null)
        {
            return null;
        }
        var element = new XElement("numatune");
        if (tune.Memory is { } m)
        {
            element.Add(new XElement("memory")
                .Attr("mode", m.Mode is null ? null : DomainXmlNames.NumaMemoryMode.ToXml(m.Mode.Value))
                .Attr("nodeset", m.Nodeset)
                .Attr("placement", m.Placement is null ? null : DomainXmlNames.NumaPlacement.ToXml(m.Placement.Value)));
        }
        foreach (var node in tune.MemNodes)
        {
            element.Add(new XElement("memnode").Attr("cellid", node.CellId).Attr("mode", DomainXmlNames.NumaMemoryMode.ToXml(node.Mode)).Attr("nodeset", node.Nodeset));
        }
        return element;
    }

    private static XElement Os(OsSettings os)
    {
        var element = new XElement("os", new XElement("type", DomainXmlNames.OsType.ToXml(os.Type)).Attr("arch", os.Arch).Attr("machine", os.Machine));
        if (os.Loader is { } loader)
        {
            element.Add(new XElement("loader", loader.Path)
                .Attr("readonly", loader.ReadOnly is null ? null : CommonParsers.YesNo(loader.ReadOnly.Value))
                .Attr("secure", loader.Secure is null ? null : CommonParsers.YesNo(loader.Secure.Value))
                .Attr("type", loader.Type is null ? null : DomainXmlNames.LoaderType.ToXml(loader.Type.Value)));
        }
        if (os.Nvram is { } nvram)
        {
            element.Add(new XElement("nvram", nvram.Path).Attr("template", nvram.Template));
        }
        element.TextChild("kernel", os.Kernel).TextChild("initrd", os.Initrd).TextChild("cmdline", os.Cmdline).TextChild("dtb", os.Dtb);
        foreach (var boot in os.BootDevices)
        {
            element.Add(new XElement("boot").Attr("dev", DomainXmlNames.BootDevice.ToXml(boot)));
        }
        if (os.BootMenu is { } menu)
        {
            element.Add(new XElement("bootmenu").Attr("enable", CommonParsers.YesNo(menu.Enable)).Attr("timeout", menu.TimeoutMs));
        }
        if (os.Smbios is { } smbios)
        {
            element.Add(new XElement("smbios").Attr("mode", DomainXmlNames.SmbiosMode.ToXml(smbios)));
        }
        return element;
    }

    private static XElement? Features(DomainFeatures? f)
    {
        if (f is null)
        {
            return null;
        }
        var element = new XElement("features");
        void Flag(string name, bool on)
        {
            if (on)
            {
                element.Add(new XElement(name));
            }
        }
        void State(string name, bool? state)
        {
            if (state is not null)
            {
                element.Add(new XElement(name).Attr("state", CommonParsers.OnOff(state.Value)));
            }
        }
        Flag("acpi", f.Acpi);
        if (f.Apic)
        {
            element.Add(new XElement("apic").Attr("eoi", f.ApicEoi is null ? null : CommonParsers.OnOff(f.ApicEoi.Value)));
        }
        Flag("pae", f.Pae);
        State("hap", f.Hap);
        Flag("viridian", f.Viridian);
        Flag("privnet", f.Privnet);
        if (f.KvmHidden is { } hidden)
        {
            element.Add(new XElement("kvm", new XElement("hidden").Attr("state", CommonParsers.OnOff(hidden))));
        }
        State("pvspinlock", f.PvSpinlock);
        State("pmu", f.Pmu);
        State("vmport", f.Vmport);
        State("smm", f.Smm);
        if (f.IoApicDriver is not null)
        {
            element.Add(new XElement("ioapic").Attr("driver", f.IoApicDriver));
        }
        State("vmcoreinfo", f.VmCoreInfo);
        return element;
    }

    private static XElement? Cpu(CpuDefinition? cpu)
    {
        if (cpu is null)
        {
            return null;
        }
        var element = new XElement("cpu")
            .Attr("mode", cpu.Mode is null ? null : DomainXmlNames.CpuMode.ToXml(cpu.Mode.Value))
            .Attr("match", cpu.Match is null ? null : DomainXmlNames.CpuMatch.ToXml(cpu.Match.Value))
            .Attr("check", cpu.Check is null ? null : DomainXmlNames.CpuCheck.ToXml(cpu.Check.Value))
            .Attr("migratable", cpu.Migratable is null ? null : CommonParsers.OnOff(cpu.Migratable.Value));
        if (cpu.Model is { } model)
        {
            element.Add(new XElement("model", model.Name).Attr("fallback", model.Fallback is null ? null : DomainXmlNames.CpuModelFallback.ToXml(model.Fallback.Value)));
        }
        element.TextChild("vendor", cpu.Vendor);
        if (cpu.Topology is { } t)
        {
            element.Add(new XElement("topology").Attr("sockets", t.Sockets).Attr("dies", t.Dies).Attr("cores", t.Cores).Attr("threads", t.Threads));
        }
        foreach (var feature in cpu.Features)
        {
            element.Add(new XElement("feature").Attr("policy", DomainXmlNames.CpuFeaturePolicy.ToXml(feature.Policy)).Attr("name", feature.Name));
        }
        if (cpu.NumaCells.Count > 0)
        {
            element.Add(new XElement("numa", cpu.NumaCells.Select(c => new XElement("cell")
                .Attr("id", c.Id)
                .Attr("cpus", c.Cpus)
                .Attr("memory", c.MemoryKiB)
                .Attr("unit", "KiB")
                .Attr("memAccess", c.MemAccess is null ? null : DomainXmlNames.NumaMemAccess.ToXml(c.MemAccess.Value)))));
        }
        return element;
    }

    private static XElement Clock(ClockSettings clock)
    {
        var element = new XElement("clock")
            .Attr("offset", DomainXmlNames.ClockOffset.ToXml(clock.Offset))
            .Attr("timezone", clock.Timezone)
            .Attr("adjustment", clock.Adjustment)
            .Attr("basis", clock.Basis);
        foreach (var timer in clock.Timers)
        {
            element.Add(new XElement("timer")
                .Attr("name", DomainXmlNames.TimerName.ToXml(timer.Name))
                .Attr("present", timer.Present is null ? null : CommonParsers.YesNo(timer.Present.Value))
                .Attr("tickpolicy", timer.TickPolicy is null ? null : DomainXmlNames.TimerTickPolicy.ToXml(timer.TickPolicy.Value))
                .Attr("track", timer.Track is null ? null : DomainXmlNames.TimerTrack.ToXml(timer.Track.Value)));
        }
        return element;
    }

    private static string Hex(uint value, int digits) => "0x" + value.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
