using Virt.Domain;

namespace Virt.Driver.Test;

/// <summary>
/// One domain as the driver holds it: the persistent definition (null when transient), the live one (null when
/// inactive) and the run state. Immutable; every change makes a new entry, and its <see cref="Summary"/> is computed
/// once, so reads hand out the same snapshot without copying.
/// </summary>
internal sealed class DomainEntry
{
    public DomainEntry(DomainDefinition? persistent, DomainDefinition? live, DomainState state, int reason, int id, bool autostart)
    {
        if (persistent is null && live is null)
        {
            throw new ArgumentException("A domain needs a persistent or a live definition.", nameof(persistent));
        }
        Persistent = persistent;
        Live = live;
        State = state;
        Reason = reason;
        Id = id;
        Autostart = autostart;
        var current = live ?? persistent!;
        Summary = new DomainSummary
        {
            Definition = current,
            // The live copy carries the runtime id; only a real difference in configuration makes the inactive one worth showing.
            InactiveDefinition = live is not null && persistent is not null && persistent != live with { Id = null } ? persistent : null,
            Id = id,
            State = state,
            Reason = reason,
            Persistent = persistent is not null,
            Autostart = autostart,
        };
    }

    public DomainDefinition? Persistent { get; }

    public DomainDefinition? Live { get; }

    public DomainState State { get; }

    public int Reason { get; }

    public int Id { get; }

    public bool Autostart { get; }

    public DomainSummary Summary { get; }

    public string Name => Summary.Name;

    public Guid Uuid => Summary.Uuid;

    public bool IsActive => Live is not null;

    public static DomainEntry Inactive(DomainDefinition persistent, int reason, bool autostart) =>
        new(persistent, null, DomainState.Shutoff, reason, -1, autostart);

    public DomainEntry With(DomainDefinition? persistent, DomainDefinition? live) => new(persistent, live, State, Reason, Id, Autostart);

    public DomainEntry WithState(DomainState state, int reason) => new(Persistent, Live, state, reason, Id, Autostart);

    public DomainEntry WithAutostart(bool autostart) => new(Persistent, Live, State, Reason, Id, autostart);

    /// <summary>Started with <paramref name="id"/>: the live definition is a copy of the given one carrying the id, as a live dumpxml shows it.</summary>
    public DomainEntry Started(DomainDefinition live, int id) =>
        new(Persistent, live with { Id = id }, DomainState.Running, StateReasons.RunningBooted, id, Autostart);

    /// <summary>Stopped: the live definition is dropped and the persistent one is in effect again (null when transient: the caller removes it).</summary>
    public DomainEntry? Stopped(int reason) =>
        Persistent is null ? null : new(Persistent, null, DomainState.Shutoff, reason, -1, Autostart);
}
