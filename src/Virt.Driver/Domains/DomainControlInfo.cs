namespace Virt.Driver;

/// <summary>virsh domcontrol's answer: the state, the reason of an error, and how long the state has lasted.</summary>
public sealed record DomainControlInfo(DomainControlState State, DomainControlError Error, TimeSpan StateTime)
{
    public static DomainControlInfo Ok { get; } = new(DomainControlState.Ok, DomainControlError.None, TimeSpan.Zero);

    /// <summary>The monitor (here: the VMM worker in front of it) does not answer.</summary>
    public static DomainControlInfo MonitorFailure { get; } = new(DomainControlState.Error, DomainControlError.Monitor, TimeSpan.Zero);
}

/// <summary>libvirt's virDomainControlState, same numbers.</summary>
public enum DomainControlState
{
    /// <summary>Free for a call.</summary>
    Ok = 0,

    /// <summary>A background job holds the domain.</summary>
    Job = 1,

    /// <summary>A call is in progress on the monitor.</summary>
    Occupied = 2,

    /// <summary>The channel failed.</summary>
    Error = 3,
}

/// <summary>libvirt's virDomainControlErrorReason, same numbers.</summary>
public enum DomainControlError
{
    None = 0,
    Unknown = 1,

    /// <summary>The monitor (here: the VMM worker in front of it) does not answer.</summary>
    Monitor = 2,
    Internal = 3,
}
