namespace Virt.Domain;

/// <summary>A disk (<c>&lt;disk&gt;</c>).</summary>
public sealed record Disk
{
    /// <summary>Backing kind; network disks are refused at parse time.</summary>
    public DiskType Type { get; init; } = DiskType.File;

    /// <summary>Guest presentation.</summary>
    public DiskDevice Device { get; init; } = DiskDevice.Disk;

    /// <summary>Host driver options.</summary>
    public DiskDriver? Driver { get; init; }

    /// <summary>Image source; null for an empty CD-ROM.</summary>
    public DiskSource? Source { get; init; }

    /// <summary>Backing chain as written; null when not given.</summary>
    public BackingStore? BackingStore { get; init; }

    /// <summary>Guest target.</summary>
    public required DiskTarget Target { get; init; }

    /// <summary>Read-only.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Shared between guests.</summary>
    public bool Shareable { get; init; }

    /// <summary>Guest-visible serial.</summary>
    public string? Serial { get; init; }

    /// <summary>Per-device boot order.</summary>
    public uint? BootOrder { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
