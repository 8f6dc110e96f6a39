using Virt.Domain;

namespace Virt.Driver;

/// <summary>
/// How a hypervisor driver turns <c>&lt;disk type='volume'&gt;</c> into a host path at domain start. The lease keeps
/// the volume in use (vol-delete, vol-wipe and vol-resize refuse it with <see cref="VirtErrorReason.StorageVolumeInUse"/>
/// naming the domain) until the domain stops and disposes it.
/// </summary>
public interface IVolumeResolver
{
    /// <summary>
    /// The volume <paramref name="volume"/> of active pool <paramref name="pool"/>, leased to <paramref name="domain"/>.
    /// An inactive pool is <see cref="VirtErrorReason.OperationInvalid"/>; an unknown one or an unknown volume is
    /// NotFound.
    /// </summary>
    Task<VolumeLease> AcquireAsync(string domain, string pool, string volume, CancellationToken cancellationToken);
}

/// <summary>A volume resolved for a domain, in use until disposed.</summary>
public sealed class VolumeLease(string path, ImageFormat format, bool isBlockDevice, Action release) : IDisposable
{
    private int _released;

    /// <summary>The host path.</summary>
    public string Path { get; } = path;

    /// <summary>The image format the storage driver knows (QEMU is told it; it never probes).</summary>
    public ImageFormat Format { get; } = format;

    /// <summary>True for block devices (logical, iSCSI): opened with <c>host_device</c>.</summary>
    public bool IsBlockDevice { get; } = isBlockDevice;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }
}

/// <summary>How a hypervisor driver clones <c>&lt;disk type='volume'&gt;</c> for virt-clone: inside the volume's pool.</summary>
public interface IVolumeCloner
{
    /// <summary>Creates <paramref name="newName"/> in <paramref name="pool"/> with the contents and format of <paramref name="volume"/>.</summary>
    Task CloneAsync(string pool, string volume, string newName, CancellationToken cancellationToken);

    /// <summary>Removes a volume the clone created (a failed or cancelled clone).</summary>
    Task DeleteAsync(string pool, string volume, CancellationToken cancellationToken);
}
