using Virt.Domain;

namespace Virt.Driver.Qemu;

/// <summary>
/// domifaddr (<see cref="IDomainInterfaceAddresses"/>), as libvirt's qemuDomainInterfaceAddresses: the lease source asks
/// each &lt;interface type='network'&gt;'s network for the leases of its MAC, the arp source matches every
/// interface's MAC against the host's ARP table (prefix 0, IPv4), and the agent source is refused (the guests run no
/// QEMU guest agent). Only interfaces with an address are listed.
/// </summary>
public sealed partial class QemuDomainDriver : IDomainInterfaceAddresses
{
    public async Task<IReadOnlyList<InterfaceAddresses>> GetInterfaceAddressesAsync(DomainRef domain, InterfaceAddressSource source, CancellationToken cancellationToken)
    {
        var current = await LookupDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        RequireGuest(current, "query the interface addresses of");
        var interfaces = current.Definition.Devices.Interfaces;
        var found = new List<InterfaceAddresses>();
        switch (source)
        {
            case InterfaceAddressSource.Lease:
                foreach (var nic in interfaces.Where(n => n.Type == InterfaceType.Network && n.Source?.Network is not null))
                {
                    var leases = _options.Leases is null ? [] : await _options.Leases.GetLeasesAsync(nic.Source!.Network!, nic.Mac, cancellationToken).ConfigureAwait(false);
                    if (leases.Count > 0)
                    {
                        found.Add(new InterfaceAddresses(HostName(nic), nic.Mac, leases));
                    }
                }
                break;
            case InterfaceAddressSource.Arp:
                var table = ArpTable.Parse(await File.ReadAllTextAsync(_options.ArpTablePath, cancellationToken).ConfigureAwait(false));
                foreach (var nic in interfaces)
                {
                    // One entry per address, as libvirt's qemuARPGetInterfaces.
                    found.AddRange(table.Where(e => string.Equals(e.Mac, nic.Mac, StringComparison.OrdinalIgnoreCase))
                        .Select(e => new InterfaceAddresses(HostName(nic), nic.Mac, [new InterfaceAddress(false, e.Address, 0)])));
                }
                break;
            case InterfaceAddressSource.Agent:
                throw new VirtException(VirtErrorReason.OperationUnsupported,
                    $"Operation not supported: domain '{current.Name}' has no QEMU guest agent to ask; use --source lease or --source arp",
                    new Dictionary<string, string> { ["domain"] = current.Name, ["source"] = "agent", ["allowed"] = "lease, arp" });
            default:
                throw new VirtException(VirtErrorReason.InvalidArgument, $"Unknown interface address source {(int)source}; the sources are lease, agent and arp.",
                    new Dictionary<string, string> { ["source"] = ((int)source).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
        return found;
    }

    /// <summary>The host side's name (the tap device), "-" for an interface without one (user networking).</summary>
    private static string HostName(NetworkInterface nic) => nic.TargetDev ?? "-";
}
