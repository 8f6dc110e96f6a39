namespace Virt.Driver.Test;

/// <summary>The result of one change: the next entry (null when the domain vanished), what the caller gets back, and the event to log.</summary>
internal readonly record struct ChangeOutcome(DomainEntry? Next, DomainSummary Result, VirtEvent? Event)
{
    public static ChangeOutcome Kept(DomainEntry next, VirtEvent? change = null) => new(next, next.Summary, change);

    /// <summary>
    /// The domain stopped: a persistent one stays, shut off with <paramref name="reason"/>; a transient one vanishes, and
    /// the caller gets its last state (shut off, no id) all the same.
    /// </summary>
    public static ChangeOutcome Stopped(DomainEntry entry, int reason, DomainLifecycleEvent lifecycle)
    {
        var next = entry.Stopped(reason);
        if (next is not null)
        {
            return new(next, next.Summary, lifecycle);
        }
        var last = entry.Summary with
        {
            Definition = entry.Summary.Definition with { Id = null },
            Id = -1,
            State = DomainState.Shutoff,
            Reason = reason,
        };
        return new(null, last, lifecycle);
    }
}
