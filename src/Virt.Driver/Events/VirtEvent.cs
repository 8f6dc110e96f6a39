namespace Virt.Driver;

/// <summary>Something that happened to an object the daemon manages. Concrete kinds below; the API maps each to its message.</summary>
public abstract record VirtEvent;

/// <summary>libvirt's domain lifecycle event types (virDomainEventType), with its numbers.</summary>
public enum DomainEventType
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PmSuspended = 7,
    Crashed = 8,
}

/// <summary>A domain lifecycle event; <paramref name="Detail"/> is libvirt's per-type detail number (virDomainEventStartedDetailType, …).</summary>
public sealed record DomainLifecycleEvent(string Name, Guid Uuid, DomainEventType Type, int Detail) : VirtEvent;

/// <summary>An event as the log keeps it: its sequence number (unique, only growing) and when it was appended.</summary>
public sealed record LoggedEvent(ulong Sequence, DateTimeOffset Timestamp, VirtEvent Event);
