namespace Virt.Domain;

/// <summary>Disk source; which field applies depends on the disk type.</summary>
public sealed record DiskSource
{
    /// <summary>Image path (type file).</summary>
    public string? File { get; init; }

    /// <summary>Block device path (type block).</summary>
    public string? Dev { get; init; }

    /// <summary>Storage pool (type volume).</summary>
    public string? Pool { get; init; }

    /// <summary>Volume in the pool (type volume).</summary>
    public string? Volume { get; init; }

    /// <summary>Runtime node index written by a live dumpxml.</summary>
    public uint? Index { get; init; }
}
