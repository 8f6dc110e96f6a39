namespace Virt.Cli.Output.Tests;

/// <summary>Domain commands: our text against real <c>virsh -c test:///default</c>, byte for byte.</summary>
public sealed class DomainParityTests
{
    private static async Task<string> VirshAsync(string setup, string command)
    {
        var result = setup.Length == 0 ? await RealVirsh.RunAsync(command) : await RealVirsh.RunAfterAsync(setup, command);
        Assert.That(result.Stderr, Is.Empty, command);
        Assert.That(result.ExitCode, Is.Zero, command);
        return result.Stdout;
    }

    [TestCase("", "list", DomainState.Running)]
    [TestCase("", "list --all", DomainState.Running)]
    [TestCase("suspend test", "list", DomainState.Paused)]
    [TestCase("destroy test", "list --all", DomainState.Shutoff)]
    [TestCase("destroy test", "list --inactive", DomainState.Shutoff)]
    [TestCase("", "list --title", DomainState.Running)]
    [TestCase("destroy test", "list --all --title", DomainState.Shutoff)]
    public async Task List_table_matches_virsh(string setup, string command, DomainState state)
    {
        var options = new DomainListOptions(Title: command.Contains("--title", StringComparison.Ordinal));
        Assert.That(DomainFormatter.List([DefaultFixture.Domain(state)], options), Is.EqualTo(await VirshAsync(setup, command)));
    }

    [Test]
    public async Task List_of_no_domains_prints_the_header_and_dashes_only()
    {
        var expected = await VirshAsync("destroy test", "list");
        Assert.That(DomainFormatter.List([]), Is.EqualTo(expected));
        Assert.That(expected, Is.EqualTo(" Id   Name   State\n--------------------\n\n"));
    }

    [TestCase("", "list --name", false, true, false)]
    [TestCase("", "list --uuid", true, false, false)]
    [TestCase("", "list --id", false, false, true)]
    [TestCase("", "list --uuid --title", true, false, false)]
    [TestCase("", "list --name --id --uuid", true, true, true)]
    [TestCase("destroy test", "list --all --id", false, false, true)]
    [TestCase("destroy test", "list --all --id --name", false, true, true)]
    [TestCase("destroy test", "list --all --uuid --name", true, true, false)]
    public async Task List_without_a_table_matches_virsh(string setup, string command, bool uuid, bool name, bool id)
    {
        var state = setup.Length == 0 ? DomainState.Running : DomainState.Shutoff;
        var options = new DomainListOptions(Name: name, Uuid: uuid, Id: id, Title: command.Contains("--title", StringComparison.Ordinal));
        Assert.That(DomainFormatter.List([DefaultFixture.Domain(state)], options), Is.EqualTo(await VirshAsync(setup, command)));
    }

    [Test]
    public async Task List_managed_save_marks_a_saved_domain()
    {
        var expected = await VirshAsync("managedsave test", "list --all --managed-save");
        var ours = DomainFormatter.List(
            [DefaultFixture.Domain(DomainState.Shutoff, hasManagedSave: true)], new DomainListOptions(ManagedSave: true));
        Assert.That(ours, Is.EqualTo(expected));
        Assert.That(ours, Does.Contain(" saved\n"));
    }

    [Test]
    public async Task List_sorts_running_domains_by_id_then_the_rest_by_name_ignoring_case()
    {
        var setup = string.Join("; ", new[] { "beta", "Alpha", "gamma" }.Select(n =>
            $"define '{DomainXml.Write(n, null)}'"));
        var expected = await VirshAsync(setup, "list --all");
        var ours = DomainFormatter.List(
        [
            new DomainRow(null, "gamma", DomainXml.UuidFor("gamma"), DomainState.Shutoff),
            new DomainRow(null, "beta", DomainXml.UuidFor("beta"), DomainState.Shutoff),
            DefaultFixture.Domain(),
            new DomainRow(null, "Alpha", DomainXml.UuidFor("Alpha"), DomainState.Shutoff),
        ]);
        Assert.That(ours, Is.EqualTo(expected));
    }

    [TestCase("", DomainState.Running)]
    [TestCase("suspend test", DomainState.Paused)]
    [TestCase("destroy test", DomainState.Shutoff)]
    public async Task DomInfo_matches_virsh(string setup, DomainState state)
    {
        var expected = await VirshAsync(setup, "dominfo test");
        var ours = DomainFormatter.DomInfo(DefaultFixture.Info(state, RealVirsh.CpuTimeOf(expected)));
        Assert.That(ours, Is.EqualTo(expected));
    }

    [Test]
    public async Task DomInfo_reports_a_managed_save_image()
    {
        var expected = await VirshAsync("managedsave test", "dominfo test");
        var ours = DomainFormatter.DomInfo(DefaultFixture.Info(DomainState.Shutoff, RealVirsh.CpuTimeOf(expected), managedSave: true));
        Assert.That(ours, Is.EqualTo(expected));
    }

    // Reason numbers are libvirt's virDomain*Reason values for the state the setup commands reach.
    [TestCase("", DomainState.Running, 0)]
    [TestCase("suspend test", DomainState.Paused, 1)]
    [TestCase("suspend test; resume test", DomainState.Running, 5)]
    [TestCase("destroy test", DomainState.Shutoff, 2)]
    [TestCase("shutdown test", DomainState.Shutoff, 1)]
    [TestCase("destroy test; start test", DomainState.Running, 1)]
    [TestCase("managedsave test", DomainState.Shutoff, 5)]
    public async Task DomState_with_and_without_reason_matches_virsh(string setup, DomainState state, int reason)
    {
        Assert.That(DomainFormatter.DomState(state, reason, showReason: false), Is.EqualTo(await VirshAsync(setup, "domstate test")));
        Assert.That(DomainFormatter.DomState(state, reason, showReason: true), Is.EqualTo(await VirshAsync(setup, "domstate test --reason")));
    }

    [TestCase("", 1)]
    [TestCase("destroy test", null)]
    public async Task DomId_matches_virsh(string setup, int? id)
    {
        Assert.That(DomainFormatter.DomId(id), Is.EqualTo(await VirshAsync(setup, "domid test")));
    }

    [Test]
    public async Task DomUuid_and_DomName_match_virsh()
    {
        Assert.That(DomainFormatter.DomUuid(DefaultFixture.DomainUuid), Is.EqualTo(await VirshAsync("", "domuuid test")));
        Assert.That(DomainFormatter.DomName("test"), Is.EqualTo(await VirshAsync("", "domname 1")));
        Assert.That(DomainFormatter.DomName("test"), Is.EqualTo(await VirshAsync("", $"domname {DefaultFixture.DomainUuid}")));
    }

    [Test]
    public async Task Quiet_mode_drops_the_header_and_the_blank_line()
    {
        var quiet = new VirshOutputOptions(Quiet: true);
        var list = await RealVirsh.RunAsync("list", quiet: true);
        Assert.That(DomainFormatter.List([DefaultFixture.Domain()], output: quiet), Is.EqualTo(list.Stdout));

        var info = await RealVirsh.RunAsync("dominfo test", quiet: true);
        var ours = DomainFormatter.DomInfo(DefaultFixture.Info(DomainState.Running, RealVirsh.CpuTimeOf(info.Stdout)), quiet);
        Assert.That(ours, Is.EqualTo(info.Stdout));
    }
}
