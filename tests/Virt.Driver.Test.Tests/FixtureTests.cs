using System.Globalization;
using System.Xml.Linq;
using Virt.Domain.Xml;

namespace Virt.Driver.Test.Tests;

/// <summary>The default fixture against the real <c>virsh -c test:///default</c>.</summary>
public sealed class FixtureTests
{
    private static readonly Guid _testUuid = Guid.Parse("6695eb01-f6a4-8304-79aa-97f2502e193f");

    private static TestDriver NewDriver() => TestDriver.CreateDefault(new EventLog());

    [Test]
    public async Task Domain_test_matches_virsh_dominfo_domid_domuuid_and_domstate()
    {
        var domain = await NewDriver().LookupDomainAsync(DomainRef.ByName("test"), CancellationToken.None);
        var info = Virsh.Fields(await Virsh.RunAsync("dominfo", "test"));
        var reason = await Virsh.RunAsync("domstate", "test", "--reason");

        Assert.Multiple(() =>
        {
            Assert.That(domain.Id.ToString(CultureInfo.InvariantCulture), Is.EqualTo(info["Id"]));
            Assert.That(domain.Name, Is.EqualTo(info["Name"]));
            Assert.That(domain.Uuid.ToString(), Is.EqualTo(info["UUID"]));
            Assert.That(domain.Definition.Os.Type.ToString().ToLowerInvariant(), Is.EqualTo(info["OS Type"] == "linux" ? "hvm" : info["OS Type"]),
                "virsh's dominfo prints the guest OS type of an hvm guest as 'linux' (virDomainGetOSType of the test driver)");
            Assert.That(domain.State.ToDisplayString(), Is.EqualTo(info["State"]));
            Assert.That(domain.Definition.Vcpu.Count.ToString(CultureInfo.InvariantCulture), Is.EqualTo(info["CPU(s)"]));
            Assert.That($"{domain.Definition.MemoryKiB} KiB", Is.EqualTo(info["Max memory"]));
            Assert.That($"{domain.Definition.CurrentMemoryKiB} KiB", Is.EqualTo(info["Used memory"]));
            Assert.That(domain.Persistent ? "yes" : "no", Is.EqualTo(info["Persistent"]));
            Assert.That(domain.Autostart ? "enable" : "disable", Is.EqualTo(info["Autostart"]));
            Assert.That(domain.HasManagedSave ? "yes" : "no", Is.EqualTo(info["Managed save"]));
            // Both report the wall clock as CPU time (testDomainGetInfo); the two reads are moments apart.
            Assert.That(domain.CpuTimeNs / 1e9, Is.EqualTo(double.Parse(info["CPU time"].TrimEnd('s'), CultureInfo.InvariantCulture)).Within(60));
            Assert.That($"{domain.State.ToDisplayString()} ({ReasonNames.Of(domain.State, domain.Reason)})", Is.EqualTo(reason.Trim()));
        });
        Assert.That((await Virsh.RunAsync("domid", "test")).Trim(), Is.EqualTo("1"));
        Assert.That((await Virsh.RunAsync("domuuid", "test")).Trim(), Is.EqualTo(_testUuid.ToString()));
    }

    [Test]
    public async Task Lookups_by_name_uuid_and_id_find_the_same_domain_as_virsh_does()
    {
        var driver = NewDriver();
        foreach (var text in new[] { "test", "1", _testUuid.ToString() })
        {
            var found = await driver.LookupDomainAsync(DomainRef.Parse(text), CancellationToken.None);
            // dominfo takes a name, an id or a UUID (domname and domuuid each refuse one of them).
            var virshUuid = Virsh.Fields(await Virsh.RunAsync("dominfo", text))["UUID"];
            Assert.That(found.Uuid.ToString(), Is.EqualTo(virshUuid), text);
        }
    }

    [TestCase("nope")]
    [TestCase("2")]
    [TestCase("11111111-2222-3333-4444-555555555555")]
    public void Unknown_domains_are_DomainNotFound(string text)
    {
        var e = Assert.ThrowsAsync<VirtException>(() => NewDriver().LookupDomainAsync(DomainRef.Parse(text), CancellationToken.None));
        Assert.That(e!.Reason, Is.EqualTo(VirtErrorReason.DomainNotFound));
        Assert.That(e.Message, Does.StartWith("Domain not found"));
    }

    [Test]
    public async Task Fixture_domain_formats_to_what_virsh_dumpxml_shows()
    {
        var domain = await NewDriver().LookupDomainAsync(DomainRef.ByName("test"), CancellationToken.None);
        var ours = DomainXml.Format(domain.Definition);
        var theirs = await Virsh.RunAsync("dumpxml", "test");

        // libvirt's formatter and ours write the same bytes for what Virt models; the fixture domain holds nothing else.
        Assert.That(ours.Trim(), Is.EqualTo(theirs.Trim()));
        Assert.That(XNode.DeepEquals(XElement.Parse(ours), XElement.Parse(theirs)), Is.True);
    }

    [Test]
    public async Task Fixture_domain_inactive_definition_matches_virsh_dumpxml_inactive()
    {
        var driver = NewDriver();
        await driver.DestroyDomainAsync(DomainRef.ByName("test"), graceful: false, removeLogs: false, CancellationToken.None);
        var domain = await driver.LookupDomainAsync(DomainRef.ByName("test"), CancellationToken.None);
        var theirs = await Virsh.RunAsync("dumpxml", "test", "--inactive");
        Assert.That(DomainXml.Format(domain.Definition).Trim(), Is.EqualTo(theirs.Trim()));
    }

    [Test]
    public async Task Networks_match_virsh_net_list_and_net_dumpxml()
    {
        var driver = NewDriver();
        var networks = await driver.ListNetworksAsync(CancellationToken.None);
        var rows = Virsh.Rows(await Virsh.RunAsync("net-list", "--all"));

        Assert.That(networks.Select(n => new[] { n.Name, n.Active ? "active" : "inactive", n.Autostart ? "yes" : "no", n.Persistent ? "yes" : "no" }),
            Is.EqualTo(rows));
        foreach (var network in networks)
        {
            var theirs = await Virsh.RunAsync("net-dumpxml", network.Name);
            Assert.That(NetworkXml.Format(network.Definition).Trim(), Is.EqualTo(theirs.Trim()), network.Name);
            var info = Virsh.Fields(await Virsh.RunAsync("net-info", network.Name));
            Assert.That(network.Uuid.ToString(), Is.EqualTo(info["UUID"]));
            Assert.That(network.Definition.Bridge?.Name, Is.EqualTo(info["Bridge"]));
            Assert.That(await driver.LookupNetworkAsync(network.Uuid.ToString(), CancellationToken.None), Is.SameAs(network));
        }
    }

    [Test]
    public async Task Pools_match_virsh_pool_list_details_and_pool_dumpxml()
    {
        var driver = NewDriver();
        var pools = await driver.ListPoolsAsync(CancellationToken.None);
        var rows = Virsh.Rows(await Virsh.RunAsync("pool-list", "--all", "--details"));

        Assert.That(pools.Select(p => new[]
        {
            p.Name, p.State == StoragePoolState.Running ? "running" : p.State.ToString().ToLowerInvariant(), p.Autostart ? "yes" : "no", p.Persistent ? "yes" : "no",
            Size(p.CapacityBytes), Size(p.AllocationBytes), Size(p.AvailableBytes),
        }), Is.EqualTo(rows));
        foreach (var pool in pools)
        {
            var theirs = await Virsh.RunAsync("pool-dumpxml", pool.Name);
            Assert.That(StoragePoolXml.Format(pool.Definition).Trim(), Is.EqualTo(theirs.Trim()), pool.Name);
            var info = Virsh.Fields(await Virsh.RunAsync("pool-info", pool.Uuid.ToString()));
            Assert.That(pool.Name, Is.EqualTo(info["Name"]));
            Assert.That(await driver.LookupPoolAsync(pool.Uuid.ToString(), CancellationToken.None), Is.SameAs(pool));
        }
    }

    [Test]
    public void Unknown_networks_and_pools_fail_with_libvirts_words()
    {
        var driver = NewDriver();
        var network = Assert.ThrowsAsync<VirtException>(() => driver.LookupNetworkAsync("nope", CancellationToken.None));
        var pool = Assert.ThrowsAsync<VirtException>(() => driver.LookupPoolAsync("nope", CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(network!.Reason, Is.EqualTo(VirtErrorReason.NetworkNotFound));
            Assert.That(network.Message, Does.StartWith("Network not found: no network with matching name 'nope'"));
            Assert.That(pool!.Reason, Is.EqualTo(VirtErrorReason.StoragePoolNotFound));
            Assert.That(pool.Message, Does.StartWith("Storage pool not found: no storage pool with matching name 'nope'"));
        });
    }

    [Test]
    public async Task Hypervisor_type_is_what_virsh_version_reports()
    {
        var version = await Virsh.RunAsync("version");
        Assert.That(version, Does.Contain($"Using API: {NewDriver().Type} "));
    }

    /// <summary>virsh's vshPrettyCapacity for the sizes the fixture has.</summary>
    private static string Size(ulong bytes) => bytes switch
    {
        >= 1UL << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1UL << 30):F2} GiB"),
        >= 1UL << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1UL << 20):F2} MiB"),
        >= 1UL << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F2} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:F2} B"),
    };
}
