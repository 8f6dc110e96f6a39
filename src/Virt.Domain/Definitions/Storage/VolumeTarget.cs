namespace Virt.Domain.Storage;

/// <summary>A volume's target (<c>&lt;target&gt;</c>).</summary>
public sealed record VolumeTarget
{
    /// <summary>Path on the host.</summary>
    public string? Path { get; init; }

    /// <summary>Image format.</summary>
    public ImageFormat? Format { get; init; }

    /// <summary>Ownership and mode.</summary>
    public StoragePermissions? Permissions { get; init; }

    /// <summary>qcow2 compatibility level (<c>0.10</c> or <c>1.1</c>).</summary>
    public string? Compat { get; init; }

    /// <summary>qcow2 cluster size in bytes.</summary>
    public ulong? ClusterSizeBytes { get; init; }

    /// <summary>qcow2 lazy refcounts.</summary>
    public bool LazyRefcounts { get; init; }
}
