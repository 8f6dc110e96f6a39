using Virt.Domain.Storage;

namespace Virt.Driver;

/// <summary>libvirt's pool states (virStoragePoolState), with its numbers.</summary>
public enum StoragePoolState
{
    Inactive = 0,
    Building = 1,
    Running = 2,
    Degraded = 3,
    Inaccessible = 4,
}

/// <summary>A storage pool as last committed, with its sizes in bytes (from the filesystem or volume group when active).</summary>
public sealed record StoragePoolSummary
{
    public required StoragePoolDefinition Definition { get; init; }

    /// <summary>The persistent definition (pool-dumpxml --inactive); null for transient pools and drivers that keep one definition.</summary>
    public StoragePoolDefinition? InactiveDefinition { get; init; }

    public StoragePoolState State { get; init; }

    public bool Persistent { get; init; } = true;

    public bool Autostart { get; init; }

    public ulong CapacityBytes { get; init; }

    public ulong AllocationBytes { get; init; }

    public ulong AvailableBytes { get; init; }

    /// <summary>Number of volumes while active.</summary>
    public uint VolumeCount { get; init; }

    public string Name => Definition.Name;

    public Guid Uuid => Definition.Uuid;

    public bool Active => State is not StoragePoolState.Inactive;
}
