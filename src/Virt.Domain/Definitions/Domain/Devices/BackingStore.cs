namespace Virt.Domain;

/// <summary>One link of a disk backing chain; an empty <c>&lt;backingStore/&gt;</c> ends the chain (all null).</summary>
public sealed record BackingStore
{
    /// <summary>Backing kind; null for the chain terminator.</summary>
    public DiskType? Type { get; init; }

    /// <summary>Runtime node index.</summary>
    public uint? Index { get; init; }

    /// <summary>Image format.</summary>
    public ImageFormat? Format { get; init; }

    /// <summary>Image source.</summary>
    public DiskSource? Source { get; init; }

    /// <summary>The next link.</summary>
    public BackingStore? Next { get; init; }
}
