namespace Virt.Domain;

/// <summary>Hypervisor type of a guest (the <c>type</c> attribute of <c>&lt;domain&gt;</c>).</summary>
public enum DomainType
{
    /// <summary>XML value <c>qemu</c>.</summary>
    Qemu,

    /// <summary>XML value <c>kvm</c>.</summary>
    Kvm,

    /// <summary>XML value <c>test</c>.</summary>
    Test,
}
