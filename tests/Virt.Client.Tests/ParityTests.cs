using System.Globalization;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Client.Tests;

/// <summary>
/// The client's answers for libvirt's fixture are the data real <c>virsh -c test:///default</c> prints, whether the
/// test driver runs in-process or behind a socket: list, dominfo, domstate --reason, domid, domuuid, net-list, pool-list.
/// </summary>
[TestFixtureSource(typeof(Target), nameof(Target.Names))]
public sealed class ParityTests(string targetName)
{
    private Target _target = null!;

    [SetUp]
    public async Task StartAsync() => _target = await Target.StartAsync(targetName);

    [TearDown]
    public async Task StopAsync() => await _target.DisposeAsync();

    private static string StateText(Virt.Protocol.V1.DomainState state) => ((Virt.Driver.DomainState)(int)state).ToDisplayString();

    private static string YesNo(bool value) => value ? "yes" : "no";

    [Test]
    public async Task List_all()
    {
        await using var connection = await _target.OpenAsync();
        var rows = (await connection.ListDomainsAsync()).Select(d => new[]
        {
            d.Domain.Id > 0 ? d.Domain.Id.ToString(CultureInfo.InvariantCulture) : "-",
            d.Domain.Name,
            StateText(d.Status.State),
        });
        Assert.That(rows, Is.EqualTo(Virsh.Rows(await Virsh.RunAsync("list", "--all"))));
    }

    [Test]
    public async Task Dominfo()
    {
        await using var connection = await _target.OpenAsync();
        var info = await connection.GetDomainInfoAsync("test");
        var label = info.SecurityLabels.Single();
        var ours = new Dictionary<string, string>
        {
            ["Id"] = info.Domain.Id.ToString(CultureInfo.InvariantCulture),
            ["Name"] = info.Domain.Name,
            ["UUID"] = info.Domain.Uuid,
            ["OS Type"] = info.OsType,
            ["State"] = StateText(info.Status.State),
            ["CPU(s)"] = info.Vcpus.ToString(CultureInfo.InvariantCulture),
            ["Max memory"] = $"{info.MaxMemoryKib} KiB",
            ["Used memory"] = $"{info.MemoryKib} KiB",
            ["Persistent"] = YesNo(info.Persistent),
            ["Autostart"] = info.Autostart ? "enable" : "disable",
            ["Managed save"] = YesNo(info.HasManagedSave),
            ["Security model"] = label.Model,
            ["Security DOI"] = label.Doi,
            ["Security label"] = $"{label.Label} ({(label.Enforcing ? "enforcing" : "permissive")})",
        };
        var virsh = Virsh.Fields(await Virsh.RunAsync("dominfo", "test"));
        // libvirt's test driver reports the wall clock as CPU time (testDomainGetInfo), which no two runs share.
        virsh.Remove("CPU time");
        Assert.That(ours, Is.EquivalentTo(virsh));
    }

    [Test]
    public async Task Domstate_reason_domid_domuuid()
    {
        await using var connection = await _target.OpenAsync();
        var status = await connection.GetDomainStateAsync("test");
        Assert.That($"{StateText(status.State)} ({(status.Reason == 0 ? "unknown" : status.Reason.ToString(CultureInfo.InvariantCulture))})",
            Is.EqualTo((await Virsh.RunAsync("domstate", "test", "--reason")).Trim()));
        var domain = await connection.LookupDomainAsync("test");
        Assert.That(domain.Domain.Id.ToString(CultureInfo.InvariantCulture), Is.EqualTo((await Virsh.RunAsync("domid", "test")).Trim()));
        Assert.That(domain.Domain.Uuid, Is.EqualTo((await Virsh.RunAsync("domuuid", "test")).Trim()));
        // The same domain by the other two names virsh accepts.
        Assert.That((await connection.LookupDomainAsync("1")).Domain.Name, Is.EqualTo("test"));
        Assert.That((await connection.LookupDomainAsync(domain.Domain.Uuid.ToUpperInvariant())).Domain.Name, Is.EqualTo("test"));
    }

    [Test]
    public async Task After_suspend_the_state_and_reason_match()
    {
        await using var connection = await _target.OpenAsync();
        await connection.SuspendDomainAsync("test");
        var status = await connection.GetDomainStateAsync("test");
        var virsh = (await Virsh.RunAsync("suspend test; domstate test --reason")).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.That($"{StateText(status.State)} ({((DomainPausedReason)status.Reason).ToString().ToLowerInvariant()})", Is.EqualTo(virsh));
    }

    [Test]
    public async Task Net_list_all()
    {
        await using var connection = await _target.OpenAsync();
        var rows = (await connection.ListNetworksAsync()).Select(n => new[] { n.Network.Name, n.Active ? "active" : "inactive", YesNo(n.Autostart), YesNo(n.Persistent) });
        Assert.That(rows, Is.EqualTo(Virsh.Rows(await Virsh.RunAsync("net-list", "--all"))));
        var info = await connection.GetNetworkInfoAsync("default");
        var virsh = Virsh.Fields(await Virsh.RunAsync("net-info", "default"));
        Assert.That((info.Network.Network.Uuid, info.Network.Bridge), Is.EqualTo((virsh["UUID"], virsh["Bridge"])));
    }

    [Test]
    public async Task Pool_list_all_details()
    {
        await using var connection = await _target.OpenAsync();
        var rows = (await connection.ListPoolsAsync()).Select(p => new[]
        {
            p.Pool.Name,
            p.State.ToString().ToLowerInvariant(),
            YesNo(p.Autostart),
            YesNo(p.Persistent),
            Size(p.CapacityBytes),
            Size(p.AllocationBytes),
            Size(p.AvailableBytes),
        });
        Assert.That(rows, Is.EqualTo(Virsh.Rows(await Virsh.RunAsync("pool-list", "--all", "--details"))));
        var pool = await connection.LookupPoolAsync("default-pool");
        Assert.That(pool.Pool.Uuid, Is.EqualTo(Virsh.Fields(await Virsh.RunAsync("pool-info", "default-pool"))["UUID"]));
    }

    /// <summary>virsh's vshPrettyCapacity for the sizes the fixture has.</summary>
    private static string Size(ulong bytes) => bytes switch
    {
        0 => "0.00 B",
        >= 1UL << 30 => (bytes / (double)(1UL << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
        _ => throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "not a size the fixture has"),
    };
}
