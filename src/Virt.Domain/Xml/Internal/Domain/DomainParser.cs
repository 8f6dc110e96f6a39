namespace Virt.Domain.Xml.Internal.Domain;

/// <summary>Reads a <c>&lt;domain&gt;</c> element tree into a <see cref="DomainDefinition"/>, strictly.</summary>
internal sealed partial class DomainParser
{
    private readonly DefinitionParseOptions _options;

    public DomainParser(DefinitionParseOptions options)
    {
        _options = options;
    }

    public DomainDefinition Parse(ElementReader root)
    {
        var type = root.RequiredEnum("type", DomainXmlNames.DomainType);
        var id = root.Int32("id", -1);
        var name = CommonParsers.Name(root);
        var uuid = CommonParsers.Uuid(root, _options.NewUuid);
        var title = root.ChildText("title");
        if (title is not null && title.Contains('\n', StringComparison.Ordinal))
        {
            throw root.Error(DefinitionErrorReason.InvalidValue, "The <title> must be a single line", title, allowed: "text without newlines");
        }
        var description = root.ChildText("description");
        var metadata = Metadata(root.Child("metadata"));
        var memory = root.Child("memory") ?? throw root.Error(DefinitionErrorReason.MissingRequired, "The <domain> element needs a <memory> size", null, allowed: "<memory unit='KiB'>…</memory>");
        var memoryKiB = CommonParsers.ScaledKiB(memory);
        memory.Done();
        var currentKiB = memoryKiB;
        if (root.Child("currentMemory") is { } current)
        {
            currentKiB = CommonParsers.ScaledKiB(current);
            current.Done();
            if (currentKiB > memoryKiB)
            {
                throw current.Error(DefinitionErrorReason.Conflict, $"The current memory ({currentKiB} KiB) exceeds the memory size ({memoryKiB} KiB)", CommonParsers.Number(currentKiB), allowed: $"at most {memoryKiB} KiB");
            }
        }
        MaxMemory? maxMemory = null;
        if (root.Child("maxMemory") is { } max)
        {
            var slots = max.UInt32("slots") ?? throw max.Error(DefinitionErrorReason.MissingRequired, "The <maxMemory> element needs a 'slots' attribute", null, "slots");
            maxMemory = new MaxMemory(CommonParsers.ScaledKiB(max), slots);
            max.Done();
        }
        var definition = new DomainDefinition
        {
            Type = type,
            Id = id,
            Name = name,
            Uuid = uuid,
            Title = title,
            Description = description,
            Metadata = metadata,
            MaxMemory = maxMemory,
            MemoryKiB = memoryKiB,
            CurrentMemoryKiB = currentKiB,
            MemoryTune = MemTune(root.Child("memtune")),
            MemoryBacking = Backing(root.Child("memoryBacking")),
            Vcpu = Vcpu(root.Child("vcpu")),
            CpuTune = CpuTune(root.Child("cputune")),
            NumaTune = NumaTune(root.Child("numatune")),
            ResourcePartition = Resource(root.Child("resource")),
            Os = Os(root.RequiredChild("os")),
            Features = Features(root.Child("features")),
            Cpu = Cpu(root.Child("cpu")),
            Clock = Clock(root.Child("clock")),
            OnPoweroff = Lifecycle(root, "on_poweroff", LifecycleAction.Destroy),
            OnReboot = Lifecycle(root, "on_reboot", LifecycleAction.Restart),
            OnCrash = Lifecycle(root, "on_crash", LifecycleAction.Destroy),
            PowerManagement = Pm(root.Child("pm")),
            Devices = Devices(root.Child("devices")),
            SecurityLabels = root.Children("seclabel").Select(SecLabel).ToValueList(),
        };
        root.Done();
        return definition;
    }

    private static ValueList<MetadataElement> Metadata(ElementReader? metadata)
    {
        if (metadata is null)
        {
            return ValueList<MetadataElement>.Empty;
        }
        var result = new List<MetadataElement>();
        foreach (var element in metadata.Element.Elements())
        {
            if (element.Name.NamespaceName.Length == 0)
            {
                throw new ElementReader(element, $"{metadata.Path}/{element.Name.LocalName}").Error(
                    DefinitionErrorReason.InvalidValue,
                    $"The metadata element <{element.Name.LocalName}> has no namespace",
                    element.Name.LocalName,
                    allowed: "elements in an application namespace, e.g. <app:info xmlns:app='https://example.org/app'>");
            }
            result.Add(new MetadataElement(element.Name.NamespaceName, MetadataCanonicalizer.Canonicalize(element)));
        }
        metadata.DoneAttributes();
        return result.ToValueList();
    }

    private static MemoryTune? MemTune(ElementReader? tune)
    {
        if (tune is null)
        {
            return null;
        }
        ulong? Limit(string name)
        {
            var child = tune.Child(name);
            if (child is null)
            {
                return null;
            }
            var kib = CommonParsers.ScaledKiB(child);
            child.Done();
            return kib;
        }
        var result = new MemoryTune
        {
            HardLimitKiB = Limit("hard_limit"),
            SoftLimitKiB = Limit("soft_limit"),
            SwapHardLimitKiB = Limit("swap_hard_limit"),
            MinGuaranteeKiB = Limit("min_guarantee"),
        };
        tune.Done();
        return result;
    }

    private static MemoryBacking? Backing(ElementReader? backing)
    {
        if (backing is null)
        {
            return null;
        }
        ValueList<HugePage>? pages = null;
        if (backing.Child("hugepages") is { } huge)
        {
            pages = huge.Children("page").Select(p =>
            {
                var page = new HugePage(CommonParsers.ScaledKiBAttribute(p, "size", "unit"), p.NonEmptyAttr("nodeset"));
                p.Done();
                return page;
            }).ToValueList();
            huge.Done();
        }
        var result = new MemoryBacking
        {
            HugePages = pages,
            NoSharePages = backing.Flag("nosharepages"),
            Locked = backing.Flag("locked"),
        };
        backing.Done();
        return result;
    }

    private static VcpuSettings Vcpu(ElementReader? vcpu)
    {
        if (vcpu is null)
        {
            return new VcpuSettings();
        }
        var result = new VcpuSettings
        {
            Placement = vcpu.Enum("placement", DomainXmlNames.VcpuPlacement) ?? VcpuPlacement.Static,
            CpuSet = vcpu.NonEmptyAttr("cpuset"),
            Current = vcpu.UInt32("current"),
            Count = (uint)vcpu.UInt64Text(uint.MaxValue),
        };
        if (result.Count == 0)
        {
            throw vcpu.Error(DefinitionErrorReason.InvalidValue, "The guest needs at least one vCPU", "0", allowed: "1 or more");
        }
        if (result.Current is { } currentCount && (currentCount == 0 || currentCount > result.Count))
        {
            throw vcpu.Error(DefinitionErrorReason.Conflict, $"The current vCPU count {currentCount} is not between 1 and the maximum {result.Count}", CommonParsers.Number(currentCount), "current", $"1 to {result.Count}");
        }
        vcpu.Done();
        return result;
    }

    private static CpuTune? CpuTune(ElementReader? tune)
    {
        if (tune is null)
        {
            return null;
        }
        ulong? Number(string name)
        {
            var child = tune.Child(name);
            if (child is null)
            {
                return null;
            }
            var value = child.UInt64Text();
            child.Done();
            return value;
        }
        var shares = Number("shares");
        var period = Number("period");
        long? quota = null;
        if (tune.Child("quota") is { } quotaElement)
        {
            quota = quotaElement.Int64Text(-1, 17592186044415);
            quotaElement.Done();
        }
        var pins = tune.Children("vcpupin").Select(p =>
        {
            var pin = new VcpuPin(p.UInt32("vcpu") ?? throw p.Error(DefinitionErrorReason.MissingRequired, "The <vcpupin> element needs a 'vcpu' attribute", null, "vcpu"), p.NonEmptyAttr("cpuset") ?? throw p.Error(DefinitionErrorReason.MissingRequired, "The <vcpupin> element needs a 'cpuset' attribute", null, "cpuset"));
            p.Done();
            return pin;
        }).ToValueList();
        string? emulatorPin = null;
        if (tune.Child("emulatorpin") is { } emulator)
        {
            emulatorPin = emulator.NonEmptyAttr("cpuset") ?? throw emulator.Error(DefinitionErrorReason.MissingRequired, "The <emulatorpin> element needs a 'cpuset' attribute", null, "cpuset");
            emulator.Done();
        }
        tune.Done();
        return new CpuTune { Shares = shares, Period = period, Quota = quota, VcpuPins = pins, EmulatorPin = emulatorPin };
    }

    private static NumaTune? NumaTune(ElementReader? tune)
    {
        if (tune is null)
        {
            return null;
        }
        NumaMemoryPolicy? memory = null;
        if (tune.Child("memory") is { } m)
        {
            memory = new NumaMemoryPolicy(m.Enum("mode", DomainXmlNames.NumaMemoryMode), m.NonEmptyAttr("nodeset"), m.Enum("placement", DomainXmlNames.NumaPlacement));
            m.Done();
        }
        var nodes = tune.Children("memnode").Select(n =>
        {
            var node = new NumaMemNode(
                n.UInt32("cellid") ?? throw n.Error(DefinitionErrorReason.MissingRequired, "The <memnode> element needs a 'cellid' attribute", null, "cellid"),
                n.RequiredEnum("mode", DomainXmlNames.NumaMemoryMode),
                n.NonEmptyAttr("nodeset") ?? throw n.Error(DefinitionErrorReason.MissingRequired, "The <memnode> element needs a 'nodeset' attribute", null, "nodeset"));
            n.Done();
            return node;
        }).ToValueList();
        tune.Done();
        return new NumaTune { Memory = memory, MemNodes = nodes };
    }

    private static string? Resource(ElementReader? resource)
    {
        if (resource is null)
        {
            return null;
        }
        var partition = resource.ChildText("partition");
        resource.Done();
        return partition;
    }

    private static OsSettings Os(ElementReader os)
    {
        var typeElement = os.RequiredChild("type");
        var type = typeElement.EnumText(DomainXmlNames.OsType);
        var arch = typeElement.NonEmptyAttr("arch");
        if (arch is not null && !DomainXmlNames.Architectures.Contains(arch))
        {
            throw typeElement.Error(DefinitionErrorReason.InvalidValue, $"'{arch}' is not a supported architecture", arch, "arch", string.Join(", ", DomainXmlNames.Architectures));
        }
        var machine = typeElement.NonEmptyAttr("machine");
        typeElement.Done();
        LoaderSettings? loader = null;
        if (os.Child("loader") is { } l)
        {
            var path = l.Text();
            loader = new LoaderSettings(path.Length == 0 ? null : path, l.YesNo("readonly"), l.YesNo("secure"), l.Enum("type", DomainXmlNames.LoaderType));
            l.Done();
        }
        NvramSettings? nvram = null;
        if (os.Child("nvram") is { } n)
        {
            var path = n.Text();
            nvram = new NvramSettings(path.Length == 0 ? null : path, n.NonEmptyAttr("template"));
            n.Done();
        }
        var boots = os.Children("boot").Select(b =>
        {
            var dev = b.RequiredEnum("dev", DomainXmlNames.BootDevice);
            b.Done();
            return dev;
        }).ToValueList();
        BootMenu? menu = null;
        if (os.Child("bootmenu") is { } bm)
        {
            menu = new BootMenu(bm.YesNo("enable") ?? throw bm.Error(DefinitionErrorReason.MissingRequired, "The <bootmenu> element needs an 'enable' attribute", null, "enable", "yes, no"), bm.UInt32("timeout", 65535));
            bm.Done();
        }
        SmbiosMode? smbios = null;
        if (os.Child("smbios") is { } s)
        {
            smbios = s.RequiredEnum("mode", DomainXmlNames.SmbiosMode);
            s.Done();
        }
        var result = new OsSettings
        {
            Type = type,
            Arch = arch,
            Machine = machine,
            Loader = loader,
            Nvram = nvram,
            Kernel = os.ChildText("kernel"),
            Initrd = os.ChildText("initrd"),
            Cmdline = os.ChildText("cmdline"),
            Dtb = os.ChildText("dtb"),
            BootDevices = boots,
            BootMenu = menu,
            Smbios = smbios,
        };
        os.Done();
        return result;
    }

    private static DomainFeatures? Features(ElementReader? features)
    {
        if (features is null)
        {
            return null;
        }
        bool? State(string name)
        {
            var child = features.Child(name);
            if (child is null)
            {
                return null;
            }
            // libvirt treats a feature element without 'state' as switched on.
            var state = child.OnOff("state") ?? true;
            child.Done();
            return state;
        }
        bool? eoi = null;
        var apic = features.Child("apic");
        if (apic is not null)
        {
            eoi = apic.OnOff("eoi");
            apic.Done();
        }
        bool? hidden = null;
        if (features.Child("kvm") is { } kvm)
        {
            if (kvm.Child("hidden") is { } h)
            {
                hidden = h.OnOff("state") ?? throw h.Error(DefinitionErrorReason.MissingRequired, "The <hidden> element needs a 'state' attribute", null, "state", "on, off");
                h.Done();
            }
            kvm.Done();
        }
        string? ioapic = null;
        if (features.Child("ioapic") is { } io)
        {
            ioapic = io.Attr("driver");
            if (ioapic is not null and not ("qemu" or "kvm"))
            {
                throw io.Error(DefinitionErrorReason.InvalidValue, $"'{ioapic}' is not a supported I/O APIC driver", ioapic, "driver", "qemu, kvm");
            }
            io.Done();
        }
        var result = new DomainFeatures
        {
            Acpi = features.Flag("acpi"),
            Apic = apic is not null,
            ApicEoi = eoi,
            Pae = features.Flag("pae"),
            Hap = State("hap"),
            Viridian = features.Flag("viridian"),
            Privnet = features.Flag("privnet"),
            KvmHidden = hidden,
            PvSpinlock = State("pvspinlock"),
            Pmu = State("pmu"),
            Vmport = State("vmport"),
            Smm = State("smm"),
            IoApicDriver = ioapic,
            VmCoreInfo = State("vmcoreinfo"),
        };
        features.Done();
        return result;
    }

    private static CpuDefinition? Cpu(ElementReader? cpu)
    {
        if (cpu is null)
        {
            return null;
        }
        CpuModel? model = null;
        if (cpu.Child("model") is { } m)
        {
            model = new CpuModel(m.NonEmptyText(), m.Enum("fallback", DomainXmlNames.CpuModelFallback));
            m.Done();
        }
        CpuTopology? topology = null;
        if (cpu.Child("topology") is { } t)
        {
            uint Required(string name) => t.UInt32(name) is { } v and > 0 ? v : throw t.Error(DefinitionErrorReason.MissingRequired, $"The <topology> element needs a positive '{name}' attribute", t.Attr(name), name, "an integer of at least 1");
            topology = new CpuTopology(Required("sockets"), t.Attr("dies") is null ? 1 : Required("dies"), Required("cores"), Required("threads"));
            t.Done();
        }
        var features = cpu.Children("feature").Select(f =>
        {
            var feature = new CpuFeature(f.Enum("policy", DomainXmlNames.CpuFeaturePolicy) ?? CpuFeaturePolicy.Require, f.NonEmptyAttr("name") ?? throw f.Error(DefinitionErrorReason.MissingRequired, "The <feature> element needs a 'name' attribute", null, "name"));
            f.Done();
            return feature;
        }).ToValueList();
        var cells = ValueList<NumaCell>.Empty;
        if (cpu.Child("numa") is { } numa)
        {
            cells = numa.Children("cell").Select(c =>
            {
                var cell = new NumaCell(c.UInt32("id"), c.Attr("cpus"), CommonParsers.ScaledKiBAttribute(c, "memory", "unit"), c.Enum("memAccess", DomainXmlNames.NumaMemAccess));
                c.Done();
                return cell;
            }).ToValueList();
            numa.Done();
        }
        var result = new CpuDefinition
        {
            Mode = cpu.Enum("mode", DomainXmlNames.CpuMode),
            Match = cpu.Enum("match", DomainXmlNames.CpuMatch),
            Check = cpu.Enum("check", DomainXmlNames.CpuCheck),
            Migratable = cpu.OnOff("migratable"),
            Model = model,
            Vendor = cpu.ChildText("vendor"),
            Topology = topology,
            Features = features,
            NumaCells = cells,
        };
        cpu.Done();
        return result;
    }

    private static ClockSettings Clock(ElementReader? clock)
    {
        if (clock is null)
        {
            return new ClockSettings();
        }
        var offset = clock.Enum("offset", DomainXmlNames.ClockOffset) ?? ClockOffset.Utc;
        var timezone = clock.NonEmptyAttr("timezone");
        if ((timezone is not null) != (offset == ClockOffset.Timezone))
        {
            throw clock.Error(DefinitionErrorReason.Conflict, "The 'timezone' attribute is required with offset='timezone' and allowed only there", timezone, "timezone");
        }
        var timers = clock.Children("timer").Select(t =>
        {
            var timer = new ClockTimer(t.RequiredEnum("name", DomainXmlNames.TimerName), t.YesNo("present"), t.Enum("tickpolicy", DomainXmlNames.TimerTickPolicy), t.Enum("track", DomainXmlNames.TimerTrack));
            t.Done();
            return timer;
        }).ToValueList();
        var result = new ClockSettings
        {
            Offset = offset,
            Timezone = timezone,
            Adjustment = clock.NonEmptyAttr("adjustment"),
            Basis = clock.NonEmptyAttr("basis"),
            Timers = timers,
        };
        clock.Done();
        return result;
    }

    private static LifecycleAction Lifecycle(ElementReader root, string name, LifecycleAction fallback)
    {
        var child = root.Child(name);
        if (child is null)
        {
            return fallback;
        }
        var action = child.EnumText(DomainXmlNames.LifecycleAction);
        child.Done();
        return action;
    }

    private static PowerManagement? Pm(ElementReader? pm)
    {
        if (pm is null)
        {
            return null;
        }
        bool? Enabled(string name)
        {
            var child = pm.Child(name);
            if (child is null)
            {
                return null;
            }
            var enabled = child.YesNo("enabled") ?? throw child.Error(DefinitionErrorReason.MissingRequired, $"The <{name}> element needs an 'enabled' attribute", null, "enabled", "yes, no");
            child.Done();
            return enabled;
        }
        var result = new PowerManagement(Enabled("suspend-to-mem"), Enabled("suspend-to-disk"));
        pm.Done();
        return result;
    }

    private static SecurityLabel SecLabel(ElementReader label)
    {
        var result = new SecurityLabel
        {
            Type = label.Enum("type", DomainXmlNames.SecurityLabelType) ?? SecurityLabelType.Dynamic,
            Model = label.NonEmptyAttr("model"),
            Relabel = label.YesNo("relabel"),
            Label = label.ChildText("label"),
            ImageLabel = label.ChildText("imagelabel"),
            BaseLabel = label.ChildText("baselabel"),
        };
        label.Done();
        return result;
    }

    private static string? Alias(ElementReader device)
    {
        var alias = device.Child("alias");
        if (alias is null)
        {
            return null;
        }
        var name = alias.NonEmptyAttr("name") ?? throw alias.Error(DefinitionErrorReason.MissingRequired, "The <alias> element needs a 'name' attribute", null, "name");
        alias.Done();
        return name;
    }

    private static uint? BootOrder(ElementReader device)
    {
        var boot = device.Child("boot");
        if (boot is null)
        {
            return null;
        }
        var order = boot.UInt32("order") ?? throw boot.Error(DefinitionErrorReason.MissingRequired, "The <boot> element needs an 'order' attribute", null, "order");
        if (order == 0)
        {
            throw boot.Error(DefinitionErrorReason.InvalidValue, "Boot order starts at 1", "0", "order", "1 or more");
        }
        boot.Done();
        return order;
    }
}
