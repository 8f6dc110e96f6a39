namespace Virt.Cli.Output;

/// <summary>libvirt's <c>virDomainState</c>; the numeric values are libvirt's and must not change.</summary>
public enum DomainState
{
    /// <summary>VIR_DOMAIN_NOSTATE.</summary>
    NoState = 0,

    /// <summary>VIR_DOMAIN_RUNNING.</summary>
    Running = 1,

    /// <summary>VIR_DOMAIN_BLOCKED ("idle" in virsh).</summary>
    Blocked = 2,

    /// <summary>VIR_DOMAIN_PAUSED.</summary>
    Paused = 3,

    /// <summary>VIR_DOMAIN_SHUTDOWN ("in shutdown").</summary>
    Shutdown = 4,

    /// <summary>VIR_DOMAIN_SHUTOFF ("shut off").</summary>
    Shutoff = 5,

    /// <summary>VIR_DOMAIN_CRASHED.</summary>
    Crashed = 6,

    /// <summary>VIR_DOMAIN_PMSUSPENDED.</summary>
    PmSuspended = 7,
}
