namespace Virt.Cli.Output;

/// <summary>
/// The words virsh prints for domain states and per-state reasons (<c>virshDomainStateToString</c> and
/// <c>virshDomainStateReasonToString</c> in tools/virsh-domain-monitor.c), in the C locale.
/// </summary>
public static class DomainStateNames
{
    private static readonly string[] _states =
    [
        "no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended",
    ];

    // Indexed by state, then by reason; reason 0 is always "unknown".
    private static readonly string[][] _reasons =
    [
        ["unknown"],
        [
            "unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled",
            "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed",
        ],
        ["unknown"],
        [
            "unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot",
            "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed",
            "api error",
        ],
        ["unknown", "user"],
        ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"],
        ["unknown", "panicked"],
        ["unknown"],
    ];

    /// <summary>The state word; states outside libvirt's range read "no state", as in virsh.</summary>
    public static string State(DomainState state)
    {
        var i = (int)state;
        return i >= 0 && i < _states.Length ? _states[i] : _states[0];
    }

    /// <summary>The reason word for <paramref name="reason"/> in <paramref name="state"/>; unknown pairs read "unknown".</summary>
    public static string Reason(DomainState state, int reason)
    {
        var i = (int)state;
        if (i < 0 || i >= _reasons.Length || reason < 0 || reason >= _reasons[i].Length)
        {
            return "unknown";
        }

        return _reasons[i][reason];
    }
}
