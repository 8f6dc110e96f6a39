namespace Virt.Domain.Storage;

/// <summary>A storage pool: the typed form of libvirt's <c>&lt;pool&gt;</c> document. Sizes are in bytes.</summary>
public sealed record StoragePoolDefinition
{
    /// <summary>Backend kind.</summary>
    public StoragePoolType Type { get; init; }

    /// <summary>Pool name.</summary>
    public required string Name { get; init; }

    /// <summary>UUID; generated when absent.</summary>
    public Guid Uuid { get; init; }

    /// <summary>Total size (informational; libvirt always writes it, 0 when unknown).</summary>
    public ulong CapacityBytes { get; init; }

    /// <summary>Allocated size.</summary>
    public ulong AllocationBytes { get; init; }

    /// <summary>Free size.</summary>
    public ulong AvailableBytes { get; init; }

    /// <summary>Where the pool's storage comes from.</summary>
    public PoolSource Source { get; init; } = new();

    /// <summary>Where the pool appears on the host.</summary>
    public StorageTarget? Target { get; init; }
}
