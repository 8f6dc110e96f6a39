namespace Virt.Driver;

/// <summary>virsh list's filters; an unset tri-state does not filter. The default lists active domains only, as virsh.</summary>
public sealed record DomainListFilter
{
    /// <summary>All active domains, the default of <c>virsh list</c>.</summary>
    public static readonly DomainListFilter ActiveOnly = new() { Active = true };

    /// <summary>Everything, <c>virsh list --all</c>.</summary>
    public static readonly DomainListFilter All = new();

    public bool? Active { get; init; }

    public bool? Persistent { get; init; }

    public bool? Autostart { get; init; }

    public bool? HasManagedSave { get; init; }

    /// <summary>Only these states, or all when empty.</summary>
    public IReadOnlyList<DomainState> States { get; init; } = [];

    public bool Matches(DomainSummary domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return (Active is null || domain.IsActive == Active)
            && (Persistent is null || domain.Persistent == Persistent)
            && (Autostart is null || domain.Autostart == Autostart)
            && (HasManagedSave is null || domain.HasManagedSave == HasManagedSave)
            && (States.Count == 0 || States.Contains(domain.State));
    }
}
