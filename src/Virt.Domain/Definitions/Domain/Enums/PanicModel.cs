namespace Virt.Domain;

/// <summary>Panic notifier device model.</summary>
public enum PanicModel
{
    /// <summary>XML value <c>isa</c>.</summary>
    Isa,

    /// <summary>XML value <c>pseries</c>.</summary>
    Pseries,

    /// <summary>XML value <c>hyperv</c>.</summary>
    Hyperv,

    /// <summary>XML value <c>s390</c>.</summary>
    S390,

    /// <summary>XML value <c>pvpanic</c>.</summary>
    Pvpanic,
}
