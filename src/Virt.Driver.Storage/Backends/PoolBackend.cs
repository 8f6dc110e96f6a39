using Virt.Domain.Storage;

namespace Virt.Driver.Storage.Backends;

/// <summary>A pool's sizes in bytes, as pool-info prints them.</summary>
internal sealed record PoolSizes(ulong Capacity, ulong Allocation, ulong Available)
{
    public static readonly PoolSizes Zero = new(0, 0, 0);
}

/// <summary>
/// One kind of pool (<c>&lt;pool type=…&gt;</c>): how its storage is prepared, activated and measured, and how its
/// volumes are made. Backends hold no state; the driver serialises calls and keeps what they return.
/// </summary>
internal abstract class PoolBackend
{
    public abstract StoragePoolType Type { get; }

    /// <summary>The definition with this type's defaults filled in, or a typed error naming what is missing or wrong.</summary>
    public abstract StoragePoolDefinition Normalize(StoragePoolDefinition pool);

    public abstract Task BuildAsync(StoragePoolDefinition pool, PoolBuildMode mode, CancellationToken ct);

    /// <summary>Activates the pool; must succeed when it is already active (virtd restarted).</summary>
    public abstract Task StartAsync(StoragePoolDefinition pool, CancellationToken ct);

    public abstract Task StopAsync(StoragePoolDefinition pool, CancellationToken ct);

    public abstract Task DeleteAsync(StoragePoolDefinition pool, CancellationToken ct);

    public abstract Task<PoolSizes> SizesAsync(StoragePoolDefinition pool, CancellationToken ct);

    /// <summary>The volumes now in the pool; <paramref name="known"/> are the last scan's (their formats are kept, not re-probed).</summary>
    public abstract Task<IReadOnlyList<StorageVolumeDefinition>> ScanAsync(StoragePoolDefinition pool, IReadOnlyDictionary<string, StorageVolumeDefinition> known, CancellationToken ct);

    /// <summary>Creates the volume completely or not at all; returns it as scanned.</summary>
    public abstract Task<StorageVolumeDefinition> CreateVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeCreateOptions options, StorageVolumeDefinition? source, CancellationToken ct);

    public abstract Task DeleteVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, CancellationToken ct);

    public abstract Task ResizeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, ulong capacity, bool allocate, bool shrink, CancellationToken ct);

    public abstract Task WipeVolumeAsync(StoragePoolDefinition pool, StorageVolumeDefinition volume, VolumeWipeAlgorithm algorithm, Action<double>? progress, CancellationToken ct);

    /// <summary>One volume re-read after a change.</summary>
    public abstract Task<StorageVolumeDefinition> InspectAsync(StoragePoolDefinition pool, string name, StorageVolumeDefinition? known, CancellationToken ct);

    /// <summary>Where a volume of this name lives.</summary>
    public abstract string VolumePath(StoragePoolDefinition pool, string name);

    /// <summary>The format new volumes get when none is given.</summary>
    public virtual Virt.Domain.ImageFormat DefaultFormat => Virt.Domain.ImageFormat.Raw;

    protected static VirtException Invalid(string message, string element) =>
        new(VirtErrorReason.InvalidXml, message, new Dictionary<string, string> { ["element"] = element });

    protected static VirtException NotSupportedHere(StoragePoolType type, string why) =>
        new(VirtErrorReason.OperationUnsupported, $"{Virt.Domain.Xml.StorageXmlNames.StoragePoolType.ToXml(type)} pools are not supported on this host: {why}",
            new Dictionary<string, string> { ["poolType"] = Virt.Domain.Xml.StorageXmlNames.StoragePoolType.ToXml(type), ["reason"] = why });

    protected static string RequireAbsoluteTarget(StoragePoolDefinition pool)
    {
        var path = pool.Target?.Path;
        if (string.IsNullOrEmpty(path))
        {
            throw Invalid($"A {Virt.Domain.Xml.StorageXmlNames.StoragePoolType.ToXml(pool.Type)} pool needs <target><path>: the directory its volumes live in.", "target/path");
        }
        if (!Path.IsPathFullyQualified(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid($"The pool target '{path}' is not an absolute path; write it as /dir/…", "target/path");
        }
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return full.Length == 0 ? "/" : full;
    }

    /// <summary>True when blkid finds a filesystem, volume group or partition table on the device.</summary>
    protected static async Task<bool> HasSignatureAsync(string device, CancellationToken ct) =>
        (await Tools.ToolRunner.RunAsync("blkid", ["-p", device], ct).ConfigureAwait(false)).ExitCode == 0;
}
