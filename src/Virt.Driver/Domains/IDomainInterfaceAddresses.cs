namespace Virt.Driver;

/// <summary>
/// virsh domifaddr: the IP addresses of a running guest's interfaces (libvirt's virDomainInterfaceAddresses). A
/// separate contract because not every driver has it; the API answers OPERATION_UNSUPPORTED for one without it.
/// </summary>
public interface IDomainInterfaceAddresses
{
    /// <summary>
    /// The interfaces that have addresses from <paramref name="source"/>, in definition order. An inactive domain is
    /// <see cref="VirtErrorReason.OperationInvalid"/>; a source the driver cannot read is
    /// <see cref="VirtErrorReason.OperationUnsupported"/>.
    /// </summary>
    Task<IReadOnlyList<InterfaceAddresses>> GetInterfaceAddressesAsync(DomainRef domain, InterfaceAddressSource source, CancellationToken cancellationToken);
}

/// <summary>Where the addresses come from (libvirt's virDomainInterfaceAddressesSource, same numbers).</summary>
public enum InterfaceAddressSource
{
    /// <summary>The DHCP leases of the virtual networks the guest's interfaces are on.</summary>
    Lease = 0,

    /// <summary>The guest agent.</summary>
    Agent = 1,

    /// <summary>The host's ARP table, matched by MAC address.</summary>
    Arp = 2,
}

/// <summary>One interface: its host-side name (the tap device; "-" when it has none), its MAC and its addresses.</summary>
public sealed record InterfaceAddresses(string Name, string MacAddress, IReadOnlyList<InterfaceAddress> Addresses);

/// <summary>One address with its prefix length (0 when the source does not know it, as libvirt's ARP source).</summary>
public sealed record InterfaceAddress(bool IsIPv6, string Address, uint Prefix);
