namespace Virt.Domain;

/// <summary>A host directory shared with the guest (<c>&lt;filesystem type='mount'&gt;</c>).</summary>
public sealed record Filesystem
{
    /// <summary>Security model; libvirt writes <c>passthrough</c> when absent, except for virtiofs.</summary>
    public FilesystemAccessMode? AccessMode { get; init; }

    /// <summary>Backend.</summary>
    public FilesystemDriverType? DriverType { get; init; }

    /// <summary>Host directory.</summary>
    public required string SourceDir { get; init; }

    /// <summary>Mount tag seen by the guest.</summary>
    public required string TargetDir { get; init; }

    /// <summary>Read-only export.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
