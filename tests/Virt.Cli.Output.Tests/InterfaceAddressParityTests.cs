namespace Virt.Cli.Output.Tests;

/// <summary>domifaddr against real <c>virsh -c test:///default</c>: its test driver reports testnet0 with one address.</summary>
public sealed class InterfaceAddressParityTests
{
    private static readonly InterfaceAddressRow _testnet0 = new("testnet0", "aa:bb:cc:dd:ee:ff", [("ipv4", "192.168.122.3", 24)]);

    [TestCase("domifaddr test", false, null, false)]
    [TestCase("domifaddr test --full", true, null, false)]
    [TestCase("domifaddr test --source arp", false, null, false)]
    [TestCase("domifaddr test --interface testnet0", false, "testnet0", false)]
    [TestCase("domifaddr test --interface nope", false, "nope", false)]
    [TestCase("domifaddr test", false, null, true)]
    public async Task DomIfAddr_matches_virsh(string command, bool full, string? only, bool quiet)
    {
        var virsh = await RealVirsh.RunAsync(command, quiet: quiet);
        Assert.That((virsh.ExitCode, virsh.Stderr), Is.EqualTo((0, "")));

        Assert.That(InterfaceAddressFormatter.DomIfAddr([_testnet0], full, only, new VirshOutputOptions(Quiet: quiet)), Is.EqualTo(virsh.Stdout));
    }

    [Test]
    public void Later_addresses_of_an_interface_show_dashes_unless_full_and_one_without_addresses_shows_na()
    {
        InterfaceAddressRow[] rows =
        [
            new("vnet0", "52:54:00:aa:bb:01", [("ipv4", "192.168.122.45", 24), ("ipv6", "fd00::45", 64)]),
            new("vnet1", "52:54:00:aa:bb:02", []),
        ];
        const string Header = " Name       MAC address          Protocol     Address\n" +
            "-------------------------------------------------------------------------------\n";

        Assert.That(InterfaceAddressFormatter.DomIfAddr(rows), Is.EqualTo(Header +
            " vnet0      52:54:00:aa:bb:01    ipv4         192.168.122.45/24\n" +
            " -          -                    ipv6         fd00::45/64\n" +
            " vnet1      52:54:00:aa:bb:02    N/A          N/A\n\n"));
        Assert.That(InterfaceAddressFormatter.DomIfAddr(rows, full: true), Does.Contain(
            " vnet0      52:54:00:aa:bb:01    ipv6         fd00::45/64\n"));
    }
}
