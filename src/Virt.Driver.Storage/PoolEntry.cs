using System.Collections.Immutable;
using Virt.Domain.Storage;
using Virt.Driver.Storage.Backends;

namespace Virt.Driver.Storage;

/// <summary>One pool as committed: its live and persistent definitions, state, sizes and last-scanned volumes. Immutable; replaced on change.</summary>
internal sealed record PoolEntry
{
    /// <summary>The definition in effect (the persistent one while inactive).</summary>
    public required StoragePoolDefinition Live { get; init; }

    /// <summary>The persistent definition; null for a transient pool.</summary>
    public StoragePoolDefinition? Config { get; init; }

    public bool Autostart { get; init; }

    public bool Active { get; init; }

    public PoolSizes Sizes { get; init; } = PoolSizes.Zero;

    public ImmutableSortedDictionary<string, StorageVolumeDefinition> Volumes { get; init; } = ImmutableSortedDictionary.Create<string, StorageVolumeDefinition>(StringComparer.Ordinal);

    public Guid Uuid => Live.Uuid;

    public string Name => Live.Name;

    public StoragePoolSummary Summary() => new()
    {
        Definition = Live with { CapacityBytes = Sizes.Capacity, AllocationBytes = Sizes.Allocation, AvailableBytes = Sizes.Available },
        InactiveDefinition = Config,
        State = Active ? StoragePoolState.Running : StoragePoolState.Inactive,
        Persistent = Config is not null,
        Autostart = Autostart,
        CapacityBytes = Sizes.Capacity,
        AllocationBytes = Sizes.Allocation,
        AvailableBytes = Sizes.Available,
        VolumeCount = Active ? (uint)Volumes.Count : 0,
    };

    public StorageVolumeSummary Volume(StorageVolumeDefinition volume) => new() { Definition = volume, PoolName = Name, PoolUuid = Uuid };
}
