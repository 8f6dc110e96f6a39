using Google.Protobuf.WellKnownTypes;
using Virt.Domain.Xml;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>Driver records to API messages. Numbers (states, reasons, event types) pass through: both use libvirt's.</summary>
internal static class ToProto
{
    public static string Uuid(Guid uuid) => uuid.ToString("D");

    public static DomainIdentity Identity(Virt.Driver.DomainSummary domain) =>
        new() { Name = domain.Name, Uuid = Uuid(domain.Uuid), Id = domain.IsActive ? domain.Id : -1 };

    public static QemuMonitorEvent MonitorEvent(QemuMonitorEventRecord recorded)
    {
        var sinceEpoch = recorded.Timestamp - DateTimeOffset.UnixEpoch;
        return new QemuMonitorEvent
        {
            Domain = new DomainIdentity { Name = recorded.DomainName, Uuid = Uuid(recorded.Uuid), Id = recorded.DomainId },
            Event = recorded.Name,
            Seconds = sinceEpoch.Ticks / TimeSpan.TicksPerSecond,
            Microseconds = (uint)(sinceEpoch.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond),
            Details = recorded.DetailsJson ?? "",
        };
    }

    public static DomainStatus Status(Virt.Driver.DomainSummary domain) =>
        new() { State = (Virt.Protocol.V1.DomainState)(int)domain.State, Reason = domain.Reason };

    public static Virt.Protocol.V1.DomainSummary Summary(Virt.Driver.DomainSummary domain) => new()
    {
        Domain = Identity(domain),
        Status = Status(domain),
        MaxMemoryKib = domain.Definition.MemoryKiB,
        MemoryKib = domain.Definition.CurrentMemoryKiB,
        Vcpus = Vcpus(domain),
        CpuTimeNs = domain.CpuTimeNs,
        Persistent = domain.Persistent,
        Autostart = domain.Autostart,
        HasManagedSave = domain.HasManagedSave,
        Title = domain.Definition.Title ?? "",
    };

    public static GetDomainInfoResponse Info(Virt.Driver.DomainSummary domain, IHostInfo host)
    {
        var info = new GetDomainInfoResponse
        {
            Domain = Identity(domain),
            OsType = host.GetOsType(domain),
            Status = Status(domain),
            Vcpus = Vcpus(domain),
            CpuTimeNs = domain.CpuTimeNs,
            MaxMemoryKib = domain.Definition.MemoryKiB,
            MemoryKib = domain.Definition.CurrentMemoryKiB,
            Persistent = domain.Persistent,
            Autostart = domain.Autostart,
            HasManagedSave = domain.HasManagedSave,
            Title = domain.Definition.Title ?? "",
        };
        info.SecurityLabels.AddRange(host.GetSecurityLabels(domain));
        return info;
    }

    public static NetworkIdentity Identity(Virt.Driver.NetworkSummary network) => new() { Name = network.Name, Uuid = Uuid(network.Uuid) };

    public static Virt.Protocol.V1.NetworkSummary Summary(Virt.Driver.NetworkSummary network) => new()
    {
        Network = Identity(network),
        Active = network.Active,
        Persistent = network.Persistent,
        Autostart = network.Autostart,
        Bridge = network.Definition.Bridge?.Name ?? "",
    };

    public static PoolIdentity Identity(StoragePoolSummary pool) => new() { Name = pool.Name, Uuid = Uuid(pool.Uuid) };

    public static PoolSummary Summary(StoragePoolSummary pool) => new()
    {
        Pool = Identity(pool),
        State = (Virt.Protocol.V1.StoragePoolState)(int)pool.State,
        Persistent = pool.Persistent,
        Autostart = pool.Autostart,
        Type = StorageXmlNames.StoragePoolType.ToXml(pool.Definition.Type),
        TargetPath = pool.Definition.Target?.Path ?? "",
        // The proto promises zeros while inactive, whatever the definition last recorded.
        CapacityBytes = pool.Active ? pool.CapacityBytes : 0,
        AllocationBytes = pool.Active ? pool.AllocationBytes : 0,
        AvailableBytes = pool.Active ? pool.AvailableBytes : 0,
        VolumeCount = pool.Active ? pool.VolumeCount : 0,
    };

    public static VolumeIdentity Identity(StorageVolumeSummary volume) => new()
    {
        Pool = new PoolIdentity { Name = volume.PoolName, Uuid = Uuid(volume.PoolUuid) },
        Name = volume.Name,
        Key = volume.Key,
        Path = volume.Path,
    };

    public static VolumeSummary Summary(StorageVolumeSummary volume) => new()
    {
        Volume = Identity(volume),
        Type = (StorageVolumeType)(int)volume.Type,
        CapacityBytes = volume.Definition.CapacityBytes,
        AllocationBytes = volume.Definition.AllocationBytes,
        PhysicalBytes = volume.Definition.PhysicalBytes ?? volume.Definition.AllocationBytes,
        Format = volume.Definition.Target.Format is { } format ? DomainXmlNames.ImageFormat.ToXml(format) : "",
        BackingPath = volume.Definition.BackingStore?.Path ?? "",
    };

    public static Event Event(LoggedEvent logged)
    {
        var message = new Event { Sequence = logged.Sequence, Time = Timestamp.FromDateTimeOffset(logged.Timestamp) };
        switch (logged.Event)
        {
            case Virt.Driver.DomainLifecycleEvent lifecycle:
                message.DomainLifecycle = new Virt.Protocol.V1.DomainLifecycleEvent
                {
                    Domain = new DomainIdentity { Name = lifecycle.Name, Uuid = Uuid(lifecycle.Uuid), Id = -1 },
                    Type = (Virt.Protocol.V1.DomainEventType)(int)lifecycle.Type,
                    Detail = lifecycle.Detail,
                    Status = StatusAfter(lifecycle.Type, lifecycle.Detail),
                };
                break;
            case Virt.Driver.DomainDefinitionChangedEvent changed:
                message.DomainDefinitionChanged = new Virt.Protocol.V1.DomainDefinitionChangedEvent
                {
                    Domain = new DomainIdentity { Name = changed.Name, Uuid = Uuid(changed.Uuid), Id = -1 },
                    Change = (DefinitionChange)(int)changed.Change,
                    Live = changed.Live,
                    Config = changed.Config,
                    MetadataType = (Virt.Protocol.V1.DomainMetadataType)(int)changed.MetadataType,
                    MetadataUri = changed.MetadataUri ?? "",
                };
                break;
            case Virt.Driver.Jobs.JobStateChangedEvent job:
                message.JobStateChanged = new JobStateChangedEvent { Job = JobConversion.Job(job.Job) };
                break;
            case Virt.Driver.Jobs.JobProgressEvent progress:
                message.JobProgress = new JobProgressEvent
                {
                    JobId = progress.Job.Id,
                    Operation = (JobOperation)(int)progress.Job.Operation,
                    Domain = progress.Job.Domain is { } domain ? JobConversion.Identity(domain) : null,
                    Volume = progress.Job.Volume is { } volume ? JobConversion.Identity(volume) : null,
                    Progress = JobConversion.Progress(progress.Job.Progress),
                };
                break;
            case Virt.Driver.PoolLifecycleEvent pool:
                message.PoolLifecycle = new Virt.Protocol.V1.PoolLifecycleEvent
                {
                    Pool = new PoolIdentity { Name = pool.Name, Uuid = Uuid(pool.Uuid) },
                    Type = (Virt.Protocol.V1.PoolEventType)(int)pool.Type,
                };
                break;
            case Virt.Driver.PoolRefreshEvent refresh:
                message.PoolRefresh = new Virt.Protocol.V1.PoolRefreshEvent { Pool = new PoolIdentity { Name = refresh.Name, Uuid = Uuid(refresh.Uuid) } };
                break;
            case Virt.Driver.VolumeLifecycleEvent volumeEvent:
                message.VolumeLifecycle = new Virt.Protocol.V1.VolumeLifecycleEvent
                {
                    Volume = new VolumeIdentity
                    {
                        Pool = new PoolIdentity { Name = volumeEvent.PoolName, Uuid = Uuid(volumeEvent.PoolUuid) },
                        Name = volumeEvent.Name,
                        Key = volumeEvent.Key,
                        Path = volumeEvent.Path,
                    },
                    Type = (Virt.Protocol.V1.VolumeEventType)(int)volumeEvent.Type,
                };
                break;
            default:
                // A kind this API does not know yet: sent without payload, which clients skip (events.proto).
                break;
        }
        return message;
    }

    private static uint Vcpus(Virt.Driver.DomainSummary domain) => domain.Definition.Vcpu.Current ?? domain.Definition.Vcpu.Count;

    /// <summary>
    /// The state and reason a lifecycle event leaves the domain in, as libvirt pairs them (e.g. STOPPED/DESTROYED →
    /// SHUTOFF/DESTROYED). The driver's event does not carry the state, and looking it up later would give today's
    /// state for a replayed event; where the pair is not determined by the event (DEFINED, UNDEFINED, SHUTDOWN), null.
    /// </summary>
    private static DomainStatus? StatusAfter(Virt.Driver.DomainEventType type, int detail)
    {
        static DomainStatus S(Virt.Protocol.V1.DomainState state, int reason) => new() { State = state, Reason = reason };
        return type switch
        {
            // virDomainEventStartedDetailType → virDomainRunningReason.
            Virt.Driver.DomainEventType.Started => detail switch
            {
                0 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.Booted),
                1 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.Migrated),
                2 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.Restored),
                3 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.FromSnapshot),
                4 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.Wakeup),
                _ => S(Virt.Protocol.V1.DomainState.Running, 0),
            },
            // virDomainEventSuspendedDetailType → virDomainPausedReason.
            Virt.Driver.DomainEventType.Suspended => detail switch
            {
                0 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.User),
                1 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.Migration),
                2 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.Ioerror),
                3 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.Watchdog),
                5 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.FromSnapshot),
                6 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.ApiError),
                7 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.Postcopy),
                8 => S(Virt.Protocol.V1.DomainState.Paused, (int)DomainPausedReason.PostcopyFailed),
                _ => S(Virt.Protocol.V1.DomainState.Paused, 0),
            },
            // virDomainEventResumedDetailType → virDomainRunningReason.
            Virt.Driver.DomainEventType.Resumed => detail switch
            {
                0 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.Unpaused),
                1 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.Migrated),
                2 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.FromSnapshot),
                3 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.Postcopy),
                4 => S(Virt.Protocol.V1.DomainState.Running, (int)DomainRunningReason.PostcopyFailed),
                _ => S(Virt.Protocol.V1.DomainState.Running, 0),
            },
            // virDomainEventStoppedDetailType → virDomainShutoffReason.
            Virt.Driver.DomainEventType.Stopped => detail switch
            {
                0 => S(Virt.Protocol.V1.DomainState.Shutoff, (int)DomainShutoffReason.Shutdown),
                1 => S(Virt.Protocol.V1.DomainState.Shutoff, (int)DomainShutoffReason.Destroyed),
                2 => S(Virt.Protocol.V1.DomainState.Shutoff, (int)DomainShutoffReason.Crashed),
                3 => S(Virt.Protocol.V1.DomainState.Shutoff, (int)DomainShutoffReason.Migrated),
                4 => S(Virt.Protocol.V1.DomainState.Shutoff, (int)DomainShutoffReason.Saved),
                5 => S(Virt.Protocol.V1.DomainState.Shutoff, (int)DomainShutoffReason.Failed),
                6 => S(Virt.Protocol.V1.DomainState.Shutoff, (int)DomainShutoffReason.FromSnapshot),
                _ => S(Virt.Protocol.V1.DomainState.Shutoff, 0),
            },
            Virt.Driver.DomainEventType.PmSuspended => S(Virt.Protocol.V1.DomainState.Pmsuspended, 0),
            Virt.Driver.DomainEventType.Crashed => S(Virt.Protocol.V1.DomainState.Crashed, detail == 0 ? (int)DomainCrashedReason.Panicked : 0),
            _ => null,
        };
    }
}
