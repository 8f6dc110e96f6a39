namespace Virt.Domain.Network;

/// <summary>A virtual network: the typed form of libvirt's <c>&lt;network&gt;</c> document.</summary>
public sealed record NetworkDefinition
{
    /// <summary>Network name.</summary>
    public required string Name { get; init; }

    /// <summary>UUID; generated when absent.</summary>
    public Guid Uuid { get; init; }

    /// <summary>Forwarding; null for an isolated network.</summary>
    public NetworkForward? Forward { get; init; }

    /// <summary>Host bridge.</summary>
    public NetworkBridge? Bridge { get; init; }

    /// <summary>Bridge MTU.</summary>
    public uint? Mtu { get; init; }

    /// <summary>Bridge MAC address.</summary>
    public string? Mac { get; init; }

    /// <summary>DNS domain.</summary>
    public NetworkDomainName? Domain { get; init; }

    /// <summary>DNS server settings.</summary>
    public NetworkDns? Dns { get; init; }

    /// <summary>IP blocks with their DHCP settings.</summary>
    public ValueList<NetworkIp> Ips { get; init; } = ValueList<NetworkIp>.Empty;
}
