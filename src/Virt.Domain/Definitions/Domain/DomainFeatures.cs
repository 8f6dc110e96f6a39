namespace Virt.Domain;

/// <summary>Hypervisor features (<c>&lt;features&gt;</c>); a null switch means "not mentioned".</summary>
public sealed record DomainFeatures
{
    /// <summary>ACPI.</summary>
    public bool Acpi { get; init; }

    /// <summary>APIC.</summary>
    public bool Apic { get; init; }

    /// <summary>APIC end-of-interrupt.</summary>
    public bool? ApicEoi { get; init; }

    /// <summary>Physical address extension.</summary>
    public bool Pae { get; init; }

    /// <summary>Hardware-assisted paging.</summary>
    public bool? Hap { get; init; }

    /// <summary>Xen viridian extensions.</summary>
    public bool Viridian { get; init; }

    /// <summary>Private network namespace (containers).</summary>
    public bool Privnet { get; init; }

    /// <summary>Hide the KVM signature from the guest.</summary>
    public bool? KvmHidden { get; init; }

    /// <summary>Paravirtual spinlocks.</summary>
    public bool? PvSpinlock { get; init; }

    /// <summary>Performance monitoring unit.</summary>
    public bool? Pmu { get; init; }

    /// <summary>VMware I/O port emulation.</summary>
    public bool? Vmport { get; init; }

    /// <summary>System management mode.</summary>
    public bool? Smm { get; init; }

    /// <summary>I/O APIC driver (<c>qemu</c> or <c>kvm</c>).</summary>
    public string? IoApicDriver { get; init; }

    /// <summary>vmcoreinfo device.</summary>
    public bool? VmCoreInfo { get; init; }
}
