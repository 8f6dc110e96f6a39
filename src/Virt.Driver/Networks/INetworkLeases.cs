namespace Virt.Driver;

/// <summary>
/// The DHCP leases a virtual network has handed out (libvirt's virNetworkGetDHCPLeases), for domifaddr's lease
/// source. virtd passes one to the QEMU driver; the network driver that runs dnsmasq provides the files.
/// </summary>
public interface INetworkLeases
{
    /// <summary>The current leases of <paramref name="network"/> for MAC address <paramref name="mac"/> (lowercase).</summary>
    Task<IReadOnlyList<InterfaceAddress>> GetLeasesAsync(string network, string mac, CancellationToken cancellationToken);
}
