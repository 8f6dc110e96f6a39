namespace Virt.Driver;

/// <summary>A domain's state, with libvirt's numbers (virDomainState), which the API and the D-Bus bridge carry unchanged.</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    Shutdown = 4,
    Shutoff = 5,
    Crashed = 6,
    PmSuspended = 7,
}

/// <summary>virsh's words for states.</summary>
public static class DomainStateNames
{
    /// <summary>The word virsh prints, e.g. <c>shut off</c>.</summary>
    public static string ToDisplayString(this DomainState state) => state switch
    {
        DomainState.NoState => "no state",
        DomainState.Running => "running",
        DomainState.Blocked => "idle",
        DomainState.Paused => "paused",
        DomainState.Shutdown => "in shutdown",
        DomainState.Shutoff => "shut off",
        DomainState.Crashed => "crashed",
        DomainState.PmSuspended => "pmsuspended",
        _ => "unknown",
    };

    /// <summary>Whether a domain in this state has a running hypervisor process (libvirt's "active").</summary>
    public static bool IsActive(this DomainState state) => state is not (DomainState.Shutoff or DomainState.NoState);
}
