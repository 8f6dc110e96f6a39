namespace Virt.Domain;

/// <summary>The memory balloon (<c>&lt;memballoon&gt;</c>).</summary>
public sealed record MemBalloon
{
    /// <summary>Model.</summary>
    public MemBalloonModel Model { get; init; }

    /// <summary>Deflate on guest OOM.</summary>
    public bool? AutoDeflate { get; init; }

    /// <summary>Statistics polling period in seconds.</summary>
    public uint? StatsPeriod { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
