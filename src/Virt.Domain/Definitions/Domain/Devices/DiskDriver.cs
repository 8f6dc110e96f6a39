namespace Virt.Domain;

/// <summary>Disk driver options (<c>&lt;driver&gt;</c>).</summary>
public sealed record DiskDriver
{
    /// <summary>Driver name, <c>qemu</c> for QEMU.</summary>
    public string? Name { get; init; }

    /// <summary>Image format (the <c>type</c> attribute).</summary>
    public ImageFormat? Format { get; init; }

    /// <summary>Cache mode.</summary>
    public DiskCache? Cache { get; init; }

    /// <summary>I/O mode.</summary>
    public DiskIo? Io { get; init; }

    /// <summary>Discard handling.</summary>
    public DiskDiscard? Discard { get; init; }
}
