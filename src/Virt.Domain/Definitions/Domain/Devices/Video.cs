namespace Virt.Domain;

/// <summary>A video card (<c>&lt;video&gt;</c>); sizes in KiB.</summary>
public sealed record Video
{
    /// <summary>Model.</summary>
    public VideoModel Model { get; init; }

    /// <summary>QXL RAM bar.</summary>
    public uint? Ram { get; init; }

    /// <summary>Video RAM.</summary>
    public uint? Vram { get; init; }

    /// <summary>QXL/VGA memory.</summary>
    public uint? Vgamem { get; init; }

    /// <summary>Display heads.</summary>
    public uint? Heads { get; init; }

    /// <summary>Primary card.</summary>
    public bool? Primary { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
