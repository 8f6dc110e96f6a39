namespace Virt.Domain;

/// <summary>Guest CPU (<c>&lt;cpu&gt;</c>).</summary>
public sealed record CpuDefinition
{
    /// <summary>Configuration mode; null when the attribute is absent (libvirt then means custom).</summary>
    public CpuMode? Mode { get; init; }

    /// <summary>Match strictness.</summary>
    public CpuMatch? Match { get; init; }

    /// <summary>Host check.</summary>
    public CpuCheck? Check { get; init; }

    /// <summary>Whether host-passthrough CPUs are restricted to migratable features.</summary>
    public bool? Migratable { get; init; }

    /// <summary>Named model.</summary>
    public CpuModel? Model { get; init; }

    /// <summary>Required vendor.</summary>
    public string? Vendor { get; init; }

    /// <summary>Topology.</summary>
    public CpuTopology? Topology { get; init; }

    /// <summary>Feature adjustments.</summary>
    public ValueList<CpuFeature> Features { get; init; } = ValueList<CpuFeature>.Empty;

    /// <summary>Guest NUMA cells.</summary>
    public ValueList<NumaCell> NumaCells { get; init; } = ValueList<NumaCell>.Empty;
}
