namespace Virt.Domain.Network;

/// <summary>A DNS SRV record.</summary>
public sealed record DnsSrv
{
    /// <summary>Service name.</summary>
    public required string Service { get; init; }

    /// <summary>tcp or udp.</summary>
    public required string Protocol { get; init; }

    /// <summary>Domain.</summary>
    public string? Domain { get; init; }

    /// <summary>Target host.</summary>
    public string? Target { get; init; }

    /// <summary>Port.</summary>
    public uint? Port { get; init; }

    /// <summary>Priority.</summary>
    public uint? Priority { get; init; }

    /// <summary>Weight.</summary>
    public uint? Weight { get; init; }
}
