namespace Virt.Driver.Jobs;

/// <summary>
/// What a job does. Numbers are <c>virt.v1.JobOperation</c>'s: 0-10 are libvirt's virDomainJobOperation, Virt's own
/// start at 100; the API passes them through without a table (a test keeps the two in step).
/// </summary>
public enum JobOperation
{
    Unknown = 0,
    Start = 1,
    Save = 2,
    Restore = 3,
    MigrationIn = 4,
    MigrationOut = 5,
    Snapshot = 6,
    SnapshotRevert = 7,
    Dump = 8,
    Backup = 9,
    SnapshotDelete = 10,
    ManagedSave = 100,
    Shutdown = 101,
    Clone = 102,
    VolumeCreateFrom = 103,
    VolumeUpload = 104,
    VolumeDownload = 105,
    VolumeWipe = 106,
}

/// <summary>A job's life cycle (<c>virt.v1.JobState</c>, same numbers): Pending → Running → one of the three ends.</summary>
public enum JobState
{
    Pending = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Cancelled = 5,
}

/// <summary>Whether a job state is one of the three ends.</summary>
public static class JobStateExtensions
{
    public static bool IsEnded(this JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}
