namespace Virt.Domain;

/// <summary>A random number generator (<c>&lt;rng&gt;</c>).</summary>
public sealed record RngDevice
{
    /// <summary>Model.</summary>
    public RngModel Model { get; init; }

    /// <summary>Rate limit: bytes per period.</summary>
    public uint? RateBytes { get; init; }

    /// <summary>Rate limit period in milliseconds.</summary>
    public uint? RatePeriod { get; init; }

    /// <summary>Entropy source.</summary>
    public RngBackendModel Backend { get; init; }

    /// <summary>Device path for the random backend; libvirt writes <c>/dev/random</c> when absent.</summary>
    public string? BackendPath { get; init; }

    /// <summary>Character device of the egd backend.</summary>
    public CharDevice? EgdSource { get; init; }

    /// <summary>Device alias.</summary>
    public string? Alias { get; init; }

    /// <summary>Guest address.</summary>
    public DeviceAddress? Address { get; init; }
}
