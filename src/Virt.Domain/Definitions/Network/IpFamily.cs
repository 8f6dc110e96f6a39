namespace Virt.Domain.Network;

/// <summary>Address family of a network IP block.</summary>
public enum IpFamily
{
    /// <summary>XML value <c>ipv4</c>.</summary>
    Ipv4,

    /// <summary>XML value <c>ipv6</c>.</summary>
    Ipv6,
}
