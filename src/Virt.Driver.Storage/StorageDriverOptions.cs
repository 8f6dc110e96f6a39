namespace Virt.Driver.Storage;

/// <summary>Where the storage driver keeps its state, and what it sets up on first start.</summary>
public sealed record StorageDriverOptions
{
    /// <summary>virtd's state directory; pools are kept under <c>storage/</c> in it.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>
    /// When set, the first start (no <c>storage/</c> directory yet) defines, builds, starts and autostarts a dir pool
    /// named <c>default</c> with this target, as libvirt's packaging does for /var/lib/libvirt/images.
    /// </summary>
    public string? DefaultPoolDirectory { get; init; }

    /// <summary>
    /// Where pool and volume events go (virtd's one log, shared with the domain driver). Null: none are raised. Pools
    /// restarted or autostarted while the driver opens raise none, as in libvirt: nobody can be subscribed yet.
    /// </summary>
    public EventLog? Events { get; init; }
}
