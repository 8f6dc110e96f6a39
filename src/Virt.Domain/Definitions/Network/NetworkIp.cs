namespace Virt.Domain.Network;

/// <summary>An IP block on the bridge (<c>&lt;ip&gt;</c>).</summary>
public sealed record NetworkIp
{
    /// <summary>Family as written; libvirt infers IPv4 when absent.</summary>
    public IpFamily? Family { get; init; }

    /// <summary>Bridge address.</summary>
    public required string Address { get; init; }

    /// <summary>IPv4 netmask (exclusive with <see cref="Prefix"/>).</summary>
    public string? Netmask { get; init; }

    /// <summary>Prefix length.</summary>
    public uint? Prefix { get; init; }

    /// <summary>DHCP ranges.</summary>
    public ValueList<NetworkRange> DhcpRanges { get; init; } = ValueList<NetworkRange>.Empty;

    /// <summary>Static DHCP leases.</summary>
    public ValueList<DhcpHost> DhcpHosts { get; init; } = ValueList<DhcpHost>.Empty;

    /// <summary>Whether a <c>&lt;dhcp&gt;</c> element is present (it may be empty).</summary>
    public bool Dhcp { get; init; }
}
