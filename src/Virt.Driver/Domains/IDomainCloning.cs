using Virt.Driver.Jobs;

namespace Virt.Driver;

/// <summary>virt-clone: a copy of a shut-off (or paused) domain under a new name, UUID and MACs, with its disks copied.</summary>
public interface IDomainCloning
{
    /// <summary>The registry the clone jobs run in (the API waits on it for <c>wait = true</c> callers).</summary>
    JobRegistry Jobs { get; }

    /// <summary>
    /// Starts a CLONE job on <see cref="DomainCloneRequest.Source"/> that copies its disks (progress: bytes copied of
    /// all to copy) and defines the clone (the job's result domain). What fails at once fails the call: the source
    /// must be shut off or paused (<see cref="VirtErrorReason.OperationInvalid"/>), a taken name is
    /// <see cref="VirtErrorReason.DomainExists"/>, a taken target path <see cref="VirtErrorReason.StorageVolumeExists"/>.
    /// A failed or cancelled clone stops its copy, removes every file it created and defines nothing.
    /// </summary>
    Task<JobInfo> CloneDomainAsync(DomainCloneRequest request, CancellationToken cancellationToken);
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
