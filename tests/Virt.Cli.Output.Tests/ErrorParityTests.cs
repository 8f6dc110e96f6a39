namespace Virt.Cli.Output.Tests;

/// <summary>virsh's stderr for failed commands, and the blank line it still prints on stdout.</summary>
public sealed class ErrorParityTests
{
    [TestCase("dominfo nosuch", "nosuch")]
    [TestCase("domstate nosuch --reason", "nosuch")]
    [TestCase("domid nosuch", "nosuch")]
    [TestCase("domname 7", "7")]
    [TestCase("domuuid 00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000")]
    public async Task Unknown_domain(string command, string argument)
    {
        var virsh = await RealVirsh.RunAsync(command);
        Assert.That(VirshErrors.DomainNotFound(argument), Is.EqualTo(virsh.Stderr));
        Assert.That(virsh.Stdout, Is.EqualTo("\n"));
        Assert.That(virsh.ExitCode, Is.EqualTo(1));
    }

    [Test]
    public async Task Unknown_network_adds_libvirts_own_message()
    {
        var virsh = await RealVirsh.RunAsync("net-info nosuch");
        Assert.That(VirshErrors.NetworkNotFound("nosuch"), Is.EqualTo(virsh.Stderr));
    }

    [Test]
    public async Task Unknown_pool_adds_libvirts_own_message()
    {
        var virsh = await RealVirsh.RunAsync("pool-info nosuch");
        Assert.That(VirshErrors.PoolNotFound("nosuch"), Is.EqualTo(virsh.Stderr));
    }

    [TestCase("list --table --name", "table", "name")]
    [TestCase("list --table --id", "table", "id")]
    [TestCase("list --table --uuid", "table", "uuid")]
    [TestCase("pool-list --details --name", "details", "name")]
    [TestCase("pool-list --details --uuid", "details", "uuid")]
    public async Task Exclusive_options_are_refused_with_virshs_words(string command, string first, string second)
    {
        var virsh = await RealVirsh.RunAsync(command);
        Assert.That(VirshErrors.Format(VirshErrors.MutuallyExclusive(first, second)), Is.EqualTo(virsh.Stderr));

        var refused = command.StartsWith("list", StringComparison.Ordinal)
            ? Assert.Throws<ArgumentException>(() => DomainFormatter.List([], new DomainListOptions(
                Table: true, Name: second == "name", Id: second == "id", Uuid: second == "uuid")))
            : Assert.Throws<ArgumentException>(() => PoolFormatter.List([], new PoolListOptions(
                Details: true, Name: second == "name", Uuid: second == "uuid")));
        Assert.That(refused!.Message, Does.StartWith(VirshErrors.MutuallyExclusive(first, second)));
    }

    [Test]
    public async Task NetList_name_with_uuid_is_refused_with_virshs_words()
    {
        var virsh = await RealVirsh.RunAsync("net-list --name --uuid");
        Assert.That(VirshErrors.Format(VirshErrors.NetListOneOf), Is.EqualTo(virsh.Stderr));
        Assert.Throws<ArgumentException>(() => NetworkFormatter.List([], new NetworkListOptions(Name: true, Uuid: true)));
    }
}
