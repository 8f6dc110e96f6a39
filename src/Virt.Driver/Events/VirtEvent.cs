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

/// <summary>What part of a definition changed (virt.v1.DefinitionChange, with its numbers).</summary>
public enum DefinitionChangeKind
{
    Metadata = 1,
    Memory = 2,
    Vcpus = 3,
    CpuTuning = 4,
    Devices = 5,
    Autostart = 6,
    ManagedSave = 7,
}

/// <summary>Which metadata changed (libvirt's virDomainMetadataType, with its numbers).</summary>
public enum MetadataKind
{
    Description = 0,
    Title = 1,
    Element = 2,
}

/// <summary>
/// Part of a domain's definition changed without a lifecycle transition: libvirt's VIR_DOMAIN_EVENT_ID_METADATA_CHANGE
/// for titles, descriptions and metadata elements, and Virt's own kinds (autostart) that libvirt does not announce.
/// </summary>
/// <param name="Name">The domain's name.</param>
/// <param name="Uuid">The domain's UUID.</param>
/// <param name="Change">What changed.</param>
/// <param name="Live">The running definition changed.</param>
/// <param name="Config">The persistent definition changed.</param>
/// <param name="MetadataType">For <see cref="DefinitionChangeKind.Metadata"/>: which metadata.</param>
/// <param name="MetadataUri">For an element: its namespace URI.</param>
public sealed record DomainDefinitionChangedEvent(
    string Name, Guid Uuid, DefinitionChangeKind Change, bool Live, bool Config, MetadataKind MetadataType = MetadataKind.Description, string? MetadataUri = null) : VirtEvent
{
    /// <summary>A title, description or metadata element changed in the definitions <paramref name="applied"/> names.</summary>
    public static DomainDefinitionChangedEvent ForMetadata(string name, Guid uuid, DomainModification applied, MetadataKind type, string? uri) =>
        new(name, uuid, DefinitionChangeKind.Metadata, applied.HasFlag(DomainModification.Live), applied.HasFlag(DomainModification.Config), type, uri);

    /// <summary>The autostart flag changed (a persistent setting).</summary>
    public static DomainDefinitionChangedEvent ForAutostart(string name, Guid uuid) =>
        new(name, uuid, DefinitionChangeKind.Autostart, Live: false, Config: true);
}

/// <summary>An event as the log keeps it: its sequence number (unique, only growing) and when it was appended.</summary>
public sealed record LoggedEvent(ulong Sequence, DateTimeOffset Timestamp, VirtEvent Event);
