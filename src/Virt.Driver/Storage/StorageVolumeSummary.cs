using Virt.Domain.Storage;

namespace Virt.Driver;

/// <summary>
/// A volume as last scanned: its definition as vol-dumpxml prints it (type, key, sizes, target path and format, backing
/// store) and the pool it belongs to.
/// </summary>
public sealed record StorageVolumeSummary
{
    public required StorageVolumeDefinition Definition { get; init; }

    public required string PoolName { get; init; }

    public required Guid PoolUuid { get; init; }

    public string Name => Definition.Name;

    /// <summary>The host path (the key of file and block volumes).</summary>
    public string Path => Definition.Target.Path ?? "";

    public string Key => Definition.Key ?? Path;

    public StorageVolumeType Type => Definition.Type ?? StorageVolumeType.File;
}
