namespace Virt.Domain;

/// <summary>A guest definition: the typed form of libvirt's <c>&lt;domain&gt;</c> document.</summary>
public sealed record DomainDefinition
{
    /// <summary>Hypervisor type.</summary>
    public DomainType Type { get; init; } = DomainType.Kvm;

    /// <summary>Runtime id as written by a live dumpxml; libvirt ignores it when defining, Virt keeps it for round trips.</summary>
    public int? Id { get; init; }

    /// <summary>Guest name (validated: see <see cref="DefinitionNames"/>).</summary>
    public required string Name { get; init; }

    /// <summary>Guest UUID; generated at parse time when the document has none.</summary>
    public Guid Uuid { get; init; }

    /// <summary>Short human title.</summary>
    public string? Title { get; init; }

    /// <summary>Free-form description.</summary>
    public string? Description { get; init; }

    /// <summary>Application metadata, kept verbatim, one entry per namespaced element.</summary>
    public ValueList<MetadataElement> Metadata { get; init; } = ValueList<MetadataElement>.Empty;

    /// <summary>Memory hotplug ceiling and slots.</summary>
    public MaxMemory? MaxMemory { get; init; }

    /// <summary>Maximum memory at boot, in KiB.</summary>
    public ulong MemoryKiB { get; init; }

    /// <summary>Current (ballooned) memory, in KiB; libvirt defaults it to <see cref="MemoryKiB"/>.</summary>
    public ulong CurrentMemoryKiB { get; init; }

    /// <summary>Memory limits.</summary>
    public MemoryTune? MemoryTune { get; init; }

    /// <summary>How guest memory is backed on the host.</summary>
    public MemoryBacking? MemoryBacking { get; init; }

    /// <summary>Virtual CPU count and placement.</summary>
    public VcpuSettings Vcpu { get; init; } = new();

    /// <summary>CPU scheduling and pinning.</summary>
    public CpuTune? CpuTune { get; init; }

    /// <summary>Host NUMA memory policy.</summary>
    public NumaTune? NumaTune { get; init; }

    /// <summary>Resource partition (cgroup path), e.g. <c>/machine</c>.</summary>
    public string? ResourcePartition { get; init; }

    /// <summary>Boot and firmware settings.</summary>
    public OsSettings Os { get; init; } = new();

    /// <summary>Hypervisor features.</summary>
    public DomainFeatures? Features { get; init; }

    /// <summary>Guest CPU model and topology.</summary>
    public CpuDefinition? Cpu { get; init; }

    /// <summary>Guest clock.</summary>
    public ClockSettings Clock { get; init; } = new();

    /// <summary>What happens when the guest powers off.</summary>
    public LifecycleAction OnPoweroff { get; init; } = LifecycleAction.Destroy;

    /// <summary>What happens when the guest reboots.</summary>
    public LifecycleAction OnReboot { get; init; } = LifecycleAction.Restart;

    /// <summary>What happens when the guest crashes.</summary>
    public LifecycleAction OnCrash { get; init; } = LifecycleAction.Destroy;

    /// <summary>Guest power management (ACPI S3/S4).</summary>
    public PowerManagement? PowerManagement { get; init; }

    /// <summary>Devices.</summary>
    public DomainDevices Devices { get; init; } = new();

    /// <summary>Security driver labels.</summary>
    public ValueList<SecurityLabel> SecurityLabels { get; init; } = ValueList<SecurityLabel>.Empty;

    /// <summary>This definition with vCPU <paramref name="vcpu"/> pinned to <paramref name="cpuset"/> (its &lt;vcpupin&gt; replaced; pins in vCPU order).</summary>
    public DomainDefinition WithVcpuPin(uint vcpu, string cpuset)
    {
        var tune = CpuTune ?? new CpuTune();
        var pins = tune.VcpuPins.Where(p => p.Vcpu != vcpu).Append(new VcpuPin(vcpu, cpuset)).OrderBy(p => p.Vcpu).ToValueList();
        return this with { CpuTune = tune with { VcpuPins = pins } };
    }

    /// <summary>This definition with <paramref name="count"/> vCPUs online (&lt;vcpu current&gt;, left out when all are).</summary>
    public DomainDefinition WithCurrentVcpus(uint count) => this with { Vcpu = Vcpu with { Current = count == Vcpu.Count ? null : count } };

    /// <summary>
    /// This definition with at most <paramref name="count"/> vCPUs: those above it go offline and lose their pins, as
    /// libvirt's virDomainDefSetVcpusMax drops them.
    /// </summary>
    public DomainDefinition WithMaximumVcpus(uint count)
    {
        var online = Math.Min(Vcpu.Current ?? Vcpu.Count, count);
        var tune = CpuTune is { } t ? t with { VcpuPins = t.VcpuPins.Where(p => p.Vcpu < count).ToValueList() } : null;
        return this with { Vcpu = Vcpu with { Count = count, Current = online == count ? null : online }, CpuTune = tune };
    }

    /// <summary>This definition with its emulator threads pinned to <paramref name="cpuset"/> (&lt;emulatorpin&gt;).</summary>
    public DomainDefinition WithEmulatorPin(string cpuset) => this with { CpuTune = (CpuTune ?? new CpuTune()) with { EmulatorPin = cpuset } };

    /// <summary>
    /// This definition as libvirt formats it without VIR_DOMAIN_XML_SECURE: the displays' passwords left out. Only a
    /// read-write caller that asks for security information sees them.
    /// </summary>
    public DomainDefinition WithoutSecrets() =>
        Devices.Graphics.Any(g => g.Password is not null)
            ? this with { Devices = Devices with { Graphics = Devices.Graphics.Select(g => g with { Password = null }).ToValueList() } }
            : this;
}
