using Virt.Domain;

namespace Virt.Driver;

/// <summary>
/// A domain as last committed: its definition and run state. Immutable, so reads never wait behind a job that is
/// changing the domain; they see the state before or after it, never half of it.
/// </summary>
public sealed record DomainSummary
{
    /// <summary>The definition in effect: the live one while running, else the persistent one.</summary>
    public required DomainDefinition Definition { get; init; }

    /// <summary>The persistent (inactive) definition when it differs from the live one, else null.</summary>
    public DomainDefinition? InactiveDefinition { get; init; }

    /// <summary>The runtime id while active, -1 otherwise (as libvirt).</summary>
    public int Id { get; init; } = -1;

    public DomainState State { get; init; } = DomainState.Shutoff;

    /// <summary>libvirt's reason number for <see cref="State"/> (virDomainRunningReason, virDomainShutoffReason, …).</summary>
    public int Reason { get; init; }

    /// <summary>False for transient domains, which vanish when they stop.</summary>
    public bool Persistent { get; init; } = true;

    public bool Autostart { get; init; }

    public bool HasManagedSave { get; init; }

    /// <summary>CPU time used so far, in ns (0 when inactive).</summary>
    public ulong CpuTimeNs { get; init; }

    public string Name => Definition.Name;

    public Guid Uuid => Definition.Uuid;

    public bool IsActive => State.IsActive();
}
