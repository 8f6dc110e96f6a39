namespace Virt.Driver;

/// <summary>virt-clone: a copy of a shut-off (or paused) domain under a new name, UUID and MACs, with its disks copied.</summary>
public interface IDomainCloning
{
    /// <summary>
    /// Clones <see cref="DomainCloneRequest.Source"/> and defines the clone. The source must be shut off or paused
    /// (<see cref="VirtErrorReason.OperationInvalid"/>); a taken name is <see cref="VirtErrorReason.DomainExists"/>.
    /// A failed or cancelled clone removes every file it created and defines nothing.
    /// </summary>
    Task<DomainSummary> CloneDomainAsync(DomainCloneRequest request, IProgress<CopyProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>What to clone, and how.</summary>
public sealed record DomainCloneRequest
{
    public required DomainRef Source { get; init; }

    public required string NewName { get; init; }

    /// <summary>Null: a new random UUID.</summary>
    public Guid? NewUuid { get; init; }

    /// <summary>Per-disk choices (by target); disks not listed get <see cref="DiskCloneMode.Default"/>.</summary>
    public IReadOnlyList<DiskCloneChoice> Disks { get; init; } = [];

    /// <summary>Keep the interfaces' MAC addresses (by default each gets a new one).</summary>
    public bool KeepMacs { get; init; }
}

/// <summary>One disk's choice; <paramref name="NewPath"/> null: beside the original, named after the clone.</summary>
public sealed record DiskCloneChoice(string Target, DiskCloneMode Mode, string? NewPath);

/// <summary>What the clone does with a disk (the values of proto's CloneDiskMode).</summary>
public enum DiskCloneMode
{
    /// <summary>Copy writable disks; share read-only and shareable ones and CD-ROMs.</summary>
    Default = 0,
    Copy = 1,
    Share = 2,
    Linked = 3,
    Omit = 4,
}

/// <summary>Progress of a copy: bytes in all, done so far.</summary>
public sealed record CopyProgress(string Phase, ulong TotalBytes, ulong ProcessedBytes);
