namespace Virt.Domain.Storage;

/// <summary>A storage volume: the typed form of libvirt's <c>&lt;volume&gt;</c> document. Sizes are in bytes.</summary>
public sealed record StorageVolumeDefinition
{
    /// <summary>Volume kind as written (libvirt's drivers fill it in on output).</summary>
    public StorageVolumeType? Type { get; init; }

    /// <summary>Volume name within its pool.</summary>
    public required string Name { get; init; }

    /// <summary>Pool-independent key (usually the path).</summary>
    public string? Key { get; init; }

    /// <summary>Logical size.</summary>
    public ulong CapacityBytes { get; init; }

    /// <summary>Allocated size; libvirt defaults it to the capacity (fully allocated).</summary>
    public ulong AllocationBytes { get; init; }

    /// <summary>Physical size on disk, when reported.</summary>
    public ulong? PhysicalBytes { get; init; }

    /// <summary>Path, format and options.</summary>
    public VolumeTarget Target { get; init; } = new();

    /// <summary>Backing image.</summary>
    public VolumeBackingStore? BackingStore { get; init; }
}
