using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Virt.Domain;
using Virt.Domain.Network;

namespace Virt.Driver.Test;

/// <summary>
/// domifaddr, as libvirt's testDomainInterfaceAddresses: every interface of a running domain gets one made-up IPv4
/// address, whatever the source. An interface on a network gets the network's first DHCP address (or, without a
/// range, its own address) plus <c>(id - 1) * 20 + index + 1</c>, with the network's prefix; any other interface
/// gets <c>192.168.0.(index + 1)/24</c>. So the fixture's domain <c>test</c> (id 1) shows 192.168.122.3/24, as virsh.
/// </summary>
public sealed partial class TestDriver : IDomainInterfaceAddresses
{
    private const int AddressesPerDomain = 20;

    public Task<IReadOnlyList<InterfaceAddresses>> GetInterfaceAddressesAsync(DomainRef domain, InterfaceAddressSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        cancellationToken.ThrowIfCancellationRequested();
        if (!Enum.IsDefined(source))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"Unknown IP address data source {(int)source}; the sources are lease, agent and arp.",
                new Dictionary<string, string> { ["source"] = ((int)source).ToString(CultureInfo.InvariantCulture) });
        }
        var entry = Find(Volatile.Read(ref _domains), domain);
        RequireActive(entry, "query the interface addresses of");
        var interfaces = entry.Live!.Devices.Interfaces;
        var found = new List<InterfaceAddresses>(interfaces.Count);
        for (var index = 0; index < interfaces.Count; index++)
        {
            var nic = interfaces[index];
            var address = nic.Type == InterfaceType.Network
                ? NetworkAddress(nic.Source?.Network ?? "", (entry.Id - 1) * AddressesPerDomain + index + 1)
                : new InterfaceAddress(false, "192.168.0." + (index + 1).ToString(CultureInfo.InvariantCulture), 24);
            found.Add(new InterfaceAddresses(nic.TargetDev ?? "-", nic.Mac, [address]));
        }
        return Task.FromResult<IReadOnlyList<InterfaceAddresses>>(found);
    }

    private InterfaceAddress NetworkAddress(string networkName, int offset)
    {
        // Defined or not, active or not: libvirt's test driver only reads the network's definition.
        var network = _networks.FirstOrDefault(n => n.Name == networkName)
            ?? throw new VirtException(VirtErrorReason.NetworkNotFound, $"Network not found: no network with matching name '{networkName}'",
                new Dictionary<string, string> { ["network"] = networkName });
        var ip = network.Definition.Ips.FirstOrDefault(i => i.Family is null or IpFamily.Ipv4 && IPAddress.TryParse(i.Address, out var a) && a.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new VirtException(VirtErrorReason.OperationInvalid,
                $"Requested operation is not valid: network '{networkName}' has no IPv4 address to hand out to guests",
                new Dictionary<string, string> { ["network"] = networkName });
        var first = BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(ip.DhcpRanges.Count > 0 ? ip.DhcpRanges[0].Start : ip.Address).GetAddressBytes());
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, first + (uint)offset);
        return new InterfaceAddress(false, new IPAddress(bytes).ToString(), Prefix(ip));
    }

    private static uint Prefix(NetworkIp ip)
    {
        if (ip.Prefix is { } prefix)
        {
            return prefix;
        }
        if (ip.Netmask is { } netmask && IPAddress.TryParse(netmask, out var mask))
        {
            return (uint)BitOperations.PopCount(BinaryPrimitives.ReadUInt32BigEndian(mask.GetAddressBytes()));
        }
        return 24;
    }
}
