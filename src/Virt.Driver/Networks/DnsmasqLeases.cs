using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Virt.Domain.Network;

namespace Virt.Driver;

/// <summary>
/// Leases from dnsmasq's lease files, one per network: <c>DIRECTORY/NETWORK.leases</c>, the file dnsmasq keeps with
/// <c>--dhcp-leasefile</c>. A network without the file has handed out nothing. The prefix length of an address is the
/// network's own for that family (as libvirt's networkGetDHCPLeases takes it from the network's &lt;ip&gt;).
/// </summary>
public sealed class DnsmasqLeases(string directory, INetworkDriver networks, TimeProvider? time = null) : INetworkLeases
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Parses a lease file. IPv4 lines are <c>EXPIRY MAC ADDRESS HOSTNAME CLIENT-ID</c> (EXPIRY in seconds since the
    /// epoch, 0 for never); after a <c>duid</c> line come IPv6 leases, which name an IAID instead of a MAC and are
    /// matched by the MAC inside the client's DUID when it has one (DUID-LL/LLT), as libvirt's leases helper cannot
    /// either. Malformed lines are skipped: dnsmasq rewrites the file while it is read.
    /// </summary>
    public static IReadOnlyList<DnsmasqLease> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var leases = new List<DnsmasqLease>();
        var ipv6 = false;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["duid", ..])
            {
                ipv6 = true;
                continue;
            }
            if (fields.Length < 4 || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
                || !IPAddress.TryParse(fields[2], out var address))
            {
                continue;
            }
            var isIPv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
            var mac = !ipv6 && !isIPv6 ? fields[1].ToLowerInvariant() : MacFromDuid(fields.Length > 4 ? fields[4] : "");
            if (mac is null)
            {
                continue;
            }
            leases.Add(new DnsmasqLease(expiry == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(expiry), mac, address.ToString(), isIPv6, fields[3] == "*" ? null : fields[3]));
        }
        return leases;
    }

    public async Task<IReadOnlyList<InterfaceAddress>> GetLeasesAsync(string network, string mac, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(network);
        ArgumentException.ThrowIfNullOrEmpty(mac);
        // Unknown networks are NetworkNotFound, as in libvirt; a name cannot reach outside the directory.
        var definition = (await networks.LookupNetworkAsync(network, cancellationToken).ConfigureAwait(false)).Definition;
        var file = Path.Combine(directory, definition.Name + ".leases");
        string text;
        try
        {
            text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        var now = _time.GetUtcNow();
        return [.. Parse(text)
            .Where(l => string.Equals(l.Mac, mac, StringComparison.OrdinalIgnoreCase) && (l.Expiry is null || l.Expiry > now))
            .Select(l => new InterfaceAddress(l.IsIPv6, l.Address, Prefix(definition, l.IsIPv6)))];
    }

    /// <summary>The prefix length of the network's first &lt;ip&gt; of that family (its netmask counted), 0 if it has none.</summary>
    public static uint Prefix(NetworkDefinition network, bool ipv6)
    {
        ArgumentNullException.ThrowIfNull(network);
        foreach (var ip in network.Ips)
        {
            var isIPv6 = ip.Family == IpFamily.Ipv6 || (ip.Family is null && ip.Address.Contains(':', StringComparison.Ordinal));
            if (isIPv6 != ipv6)
            {
                continue;
            }
            if (ip.Prefix is { } prefix)
            {
                return prefix;
            }
            if (ip.Netmask is { } netmask && IPAddress.TryParse(netmask, out var mask))
            {
                return (uint)mask.GetAddressBytes().Sum(b => System.Numerics.BitOperations.PopCount(b));
            }
            return ipv6 ? 64u : 24u;
        }
        return 0;
    }

    /// <summary>The MAC in a DUID-LLT (type 1, hardware type 1) or DUID-LL (type 3), else null.</summary>
    private static string? MacFromDuid(string duid)
    {
        var bytes = duid.Split(':');
        var macStart = bytes switch
        {
            ["00", "01", "00", "01", _, _, _, _, _, _, _, _, _, _] => 8,
            ["00", "03", "00", "01", _, _, _, _, _, _] => 4,
            _ => -1,
        };
        return macStart < 0 ? null : string.Join(':', bytes[macStart..]).ToLowerInvariant();
    }
}

/// <summary>One line of a dnsmasq lease file; <see cref="Expiry"/> null means it never expires.</summary>
public sealed record DnsmasqLease(DateTimeOffset? Expiry, string Mac, string Address, bool IsIPv6, string? Hostname);
