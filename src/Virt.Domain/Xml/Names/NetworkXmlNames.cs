using Virt.Domain.Network;

namespace Virt.Domain.Xml;

/// <summary>The string tables that map libvirt XML values to enum values; kept out of the records so the records stay format-agnostic.</summary>
public static partial class NetworkXmlNames
{
    /// <summary>Names of <see cref="NetworkForwardMode"/> values.</summary>
    public static readonly EnumMap<NetworkForwardMode> NetworkForwardMode = new(("nat", global::Virt.Domain.Network.NetworkForwardMode.Nat), ("route", global::Virt.Domain.Network.NetworkForwardMode.Route), ("open", global::Virt.Domain.Network.NetworkForwardMode.Open), ("bridge", global::Virt.Domain.Network.NetworkForwardMode.Bridge));

    /// <summary>Names of <see cref="IpFamily"/> values.</summary>
    public static readonly EnumMap<IpFamily> IpFamily = new(("ipv4", global::Virt.Domain.Network.IpFamily.Ipv4), ("ipv6", global::Virt.Domain.Network.IpFamily.Ipv6));
}
