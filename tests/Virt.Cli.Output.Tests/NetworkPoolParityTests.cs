namespace Virt.Cli.Output.Tests;

/// <summary>Network and pool commands: our text against real <c>virsh -c test:///default</c>, byte for byte.</summary>
public sealed class NetworkPoolParityTests
{
    private static async Task<string> VirshAsync(string setup, string command)
    {
        var result = setup.Length == 0 ? await RealVirsh.RunAsync(command) : await RealVirsh.RunAfterAsync(setup, command);
        Assert.That(result.Stderr, Is.Empty, command);
        Assert.That(result.ExitCode, Is.Zero, command);
        return result.Stdout;
    }

    [TestCase("", "net-list", true, false, false)]
    [TestCase("", "net-list --all", true, false, false)]
    [TestCase("", "net-list --name", true, true, false)]
    [TestCase("", "net-list --uuid", true, false, true)]
    [TestCase("net-destroy default", "net-list --all", false, false, false)]
    [TestCase("net-destroy default", "net-list --all --name", false, true, false)]
    public async Task NetList_matches_virsh(string setup, string command, bool active, bool name, bool uuid)
    {
        var ours = NetworkFormatter.List([DefaultFixture.Network(active)], new NetworkListOptions(name, uuid));
        Assert.That(ours, Is.EqualTo(await VirshAsync(setup, command)));
    }

    [Test]
    public async Task NetList_of_no_networks_prints_the_header_and_dashes_only()
    {
        Assert.That(NetworkFormatter.List([]), Is.EqualTo(await VirshAsync("net-destroy default", "net-list")));
    }

    [TestCase("", true)]
    [TestCase("net-destroy default", false)]
    public async Task NetInfo_matches_virsh(string setup, bool active)
    {
        Assert.That(NetworkFormatter.NetInfo(DefaultFixture.NetworkInfo(active)), Is.EqualTo(await VirshAsync(setup, "net-info default")));
    }

    [TestCase("", "pool-list", true)]
    [TestCase("", "pool-list --all", true)]
    [TestCase("", "pool-list --details", true)]
    [TestCase("pool-destroy default-pool", "pool-list --all", false)]
    [TestCase("pool-destroy default-pool", "pool-list --all --details", false)]
    [TestCase("", "pool-list --name", true)]
    [TestCase("", "pool-list --uuid", true)]
    [TestCase("", "pool-list --uuid --name", true)]
    public async Task PoolList_matches_virsh(string setup, string command, bool active)
    {
        var options = new PoolListOptions(
            Details: command.Contains("--details", StringComparison.Ordinal),
            Name: command.Contains("--name", StringComparison.Ordinal),
            Uuid: command.Contains("--uuid", StringComparison.Ordinal));
        Assert.That(PoolFormatter.List([DefaultFixture.Pool(active)], options), Is.EqualTo(await VirshAsync(setup, command)));
    }

    [TestCase("pool-list")]
    [TestCase("pool-list --details")]
    public async Task PoolList_of_no_pools_prints_the_header_and_dashes_only(string command)
    {
        var options = new PoolListOptions(Details: command.Contains("--details", StringComparison.Ordinal));
        Assert.That(PoolFormatter.List([], options), Is.EqualTo(await VirshAsync("pool-destroy default-pool", command)));
    }

    [Test]
    public async Task PoolList_name_pads_by_bytes_not_characters()
    {
        const string PoolName = "pööl-ü";
        var expected = await VirshAsync("pool-define-as pööl-ü dir --target /nonexistent", "pool-list --all --name");
        var ours = PoolFormatter.List(
            [DefaultFixture.Pool(), new PoolRow(PoolName, "unused", StoragePoolState.Inactive, false, true, 0, 0, 0)],
            new PoolListOptions(Name: true));
        Assert.That(ours, Is.EqualTo(expected));
    }

    [TestCase("", true)]
    [TestCase("pool-destroy default-pool", false)]
    public async Task PoolInfo_matches_virsh(string setup, bool active)
    {
        Assert.That(PoolFormatter.PoolInfo(DefaultFixture.Pool(active)), Is.EqualTo(await VirshAsync(setup, "pool-info default-pool")));
    }
}
