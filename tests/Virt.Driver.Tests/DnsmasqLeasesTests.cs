using Virt.Domain.Network;

namespace Virt.Driver.Tests;

public sealed class DnsmasqLeasesTests
{
    // The shape of a real dnsmasq 2.89 lease file (--dhcp-leasefile) with IPv4 and IPv6 leases.
    private const string LeaseFile = """
        1764480000 52:54:00:AA:BB:01 192.168.122.45 guest1 01:52:54:00:aa:bb:01
        0 52:54:00:aa:bb:02 192.168.122.46 * *
        not a lease line
        1764480000 52:54:00:aa:bb:03 999.1.1.1 bad *
        duid 00:01:00:01:2c:ff:00:01:52:54:00:00:00:01
        1764480000 12345678 fd00::45 guest1 00:03:00:01:52:54:00:aa:bb:01
        1764480000 87654321 fd00::99 other 00:02:00:00:ab:11:01:02
        """;

    [Test]
    public void Parse_reads_ipv4_lines_and_ipv6_leases_by_the_mac_in_their_duid_and_skips_what_does_not_parse()
    {
        var leases = DnsmasqLeases.Parse(LeaseFile);

        Assert.That(leases.Select(l => (l.Mac, l.Address, l.IsIPv6, l.Hostname)), Is.EqualTo(new[]
        {
            ("52:54:00:aa:bb:01", "192.168.122.45", false, (string?)"guest1"),
            ("52:54:00:aa:bb:02", "192.168.122.46", false, null),
            ("52:54:00:aa:bb:01", "fd00::45", true, "guest1"),
        }));
        Assert.That(leases[0].Expiry, Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(1764480000)));
        Assert.That(leases[1].Expiry, Is.Null, "0 is a lease that never expires");
    }

    [Test]
    public async Task Leases_of_a_mac_come_with_the_networks_prefix_and_expired_ones_are_left_out()
    {
        var directory = Directory.CreateTempSubdirectory("virt-leases-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "default.leases"), LeaseFile);
            var networks = new OneNetwork(new NetworkDefinition
            {
                Name = "default",
                Uuid = Guid.NewGuid(),
                Ips = new([new NetworkIp { Address = "192.168.122.1", Netmask = "255.255.255.0" }]),
            });
            var now = new FixedTime(DateTimeOffset.FromUnixTimeSeconds(1764470000));
            var leases = new DnsmasqLeases(directory, networks, now);

            Assert.That(await leases.GetLeasesAsync("default", "52:54:00:AA:BB:01", CancellationToken.None),
                Is.EqualTo(new[] { new InterfaceAddress(false, "192.168.122.45", 24), new InterfaceAddress(true, "fd00::45", 0) }),
                "the default network has only an IPv4 block, 255.255.255.0");

            now.Now = DateTimeOffset.FromUnixTimeSeconds(1764490000);
            Assert.That(await leases.GetLeasesAsync("default", "52:54:00:aa:bb:01", CancellationToken.None), Is.Empty, "expired");
            Assert.That(await leases.GetLeasesAsync("default", "52:54:00:aa:bb:02", CancellationToken.None), Has.Count.EqualTo(1), "never expires");
            var missing = Assert.ThrowsAsync<VirtException>(() => leases.GetLeasesAsync("nosuch", "52:54:00:aa:bb:01", CancellationToken.None));
            Assert.That(missing!.Reason, Is.EqualTo(VirtErrorReason.NetworkNotFound));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestCase("192.168.1.1", null, "255.255.0.0", false, 16u)]
    [TestCase("192.168.1.1", 20u, null, false, 20u)]
    [TestCase("fd00::1", 64u, null, true, 64u)]
    [TestCase("fd00::1", 64u, null, false, 0u)]
    public void The_prefix_is_the_networks_own_for_the_family(string address, uint? prefix, string? netmask, bool ipv6, uint expected)
    {
        var network = new NetworkDefinition { Name = "n", Uuid = Guid.NewGuid(), Ips = new([new NetworkIp { Address = address, Prefix = prefix, Netmask = netmask }]) };

        Assert.That(DnsmasqLeases.Prefix(network, ipv6), Is.EqualTo(expected));
    }

    /// <summary>A network driver that knows one network, as virtd's fixture knows 'default'.</summary>
    private sealed class OneNetwork(NetworkDefinition network) : INetworkDriver
    {
        public Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<NetworkSummary>>([new NetworkSummary { Definition = network, Active = true }]);

        public Task<NetworkSummary> LookupNetworkAsync(string nameOrUuid, CancellationToken cancellationToken) =>
            nameOrUuid == network.Name
                ? Task.FromResult(new NetworkSummary { Definition = network, Active = true })
                : throw new VirtException(VirtErrorReason.NetworkNotFound, $"Network not found: no network with matching name '{nameOrUuid}'");
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
