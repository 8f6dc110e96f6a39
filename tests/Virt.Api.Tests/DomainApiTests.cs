using Grpc.Core;
using Virt.Protocol.V1;

namespace Virt.Api.Tests;

/// <summary>DomainService's own logic: filters, paging, list-then-watch, define's "replaced", metadata, life-cycle results.</summary>
public sealed class DomainApiTests
{
    private static async Task<ApiHarness> WithDomainsAsync(int count)
    {
        var api = new ApiHarness();
        for (var i = 0; i < count; i++)
        {
            await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = ApiHarness.DomainXml($"d{i:D2}") });
        }
        return api;
    }

    [Test]
    public async Task Filters_select_as_virsh_list_options_do()
    {
        var api = await WithDomainsAsync(2);
        await api.Domains.SetDomainAutostartAsync(new SetDomainAutostartRequest { Domain = ApiHarness.Name("d01"), Autostart = true });

        async Task<string[]> Names(Virt.Protocol.V1.DomainListFilter? filter) =>
            (await api.Domains.ListDomainsAsync(new ListDomainsRequest { Filter = filter })).Domains.Select(d => d.Domain.Name).Order(StringComparer.Ordinal).ToArray();

        Assert.That(await Names(null), Is.EqualTo(new[] { "d00", "d01", "test" }));
        Assert.That(await Names(new() { Active = true }), Is.EqualTo(new[] { "test" }));
        Assert.That(await Names(new() { Active = false }), Is.EqualTo(new[] { "d00", "d01" }));
        Assert.That(await Names(new() { Autostart = true }), Is.EqualTo(new[] { "d01" }));
        Assert.That(await Names(new() { States = { DomainStateFilter.Shutoff } }), Is.EqualTo(new[] { "d00", "d01" }));
        Assert.That(await Names(new() { States = { DomainStateFilter.Running, DomainStateFilter.Paused } }), Is.EqualTo(new[] { "test" }));
        Assert.That(await Names(new() { Persistent = false }), Is.Empty);
        Assert.That(await Names(new() { HasSnapshot = true }), Is.Empty);
        Assert.That(await Names(new() { HasSnapshot = false }), Is.EqualTo(new[] { "d00", "d01", "test" }));
    }

    [Test]
    public async Task Pages_cover_every_domain_once_in_UUID_order_even_while_domains_come_and_go()
    {
        var api = await WithDomainsAsync(9);
        List<string> seen = [];
        var request = new ListDomainsRequest { PageSize = 3 };
        var pages = 0;
        do
        {
            var page = await api.Domains.ListDomainsAsync(request);
            Assert.That(page.Domains, Has.Count.LessThanOrEqualTo(3));
            seen.AddRange(page.Domains.Select(d => d.Domain.Uuid));
            request.PageToken = page.NextPageToken;
            if (pages++ == 0)
            {
                // A domain defined mid-listing does not shift the pages after the cursor.
                await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = ApiHarness.DomainXml("late", "00000000-0000-0000-0000-000000000001") });
            }
        }
        while (request.PageToken.Length > 0);
        Assert.That(seen, Is.Unique);
        Assert.That(seen, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(seen, Has.Count.EqualTo(10));

        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.ListDomainsAsync(new ListDomainsRequest
        {
            PageSize = 3,
            PageToken = (await api.Domains.ListDomainsAsync(new ListDomainsRequest { PageSize = 3 })).NextPageToken,
            Filter = new() { Active = false },
        }));
        Assert.That(ApiHarness.ErrorInfoOf(e!).Metadata["field"], Is.EqualTo("page_token"));
    }

    [Test]
    public async Task List_then_watch_misses_nothing()
    {
        var api = await WithDomainsAsync(1);
        var list = await api.Domains.ListDomainsAsync(new ListDomainsRequest());
        Assert.That(list.EventSequence, Is.EqualTo(api.Events.LatestSequence));
        await api.Domains.StartDomainAsync(new StartDomainRequest { Domain = ApiHarness.Name("d00") });
        using var call = api.EventsClient.Subscribe(new SubscribeRequest { AfterSequence = list.EventSequence });
        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        var started = call.ResponseStream.Current.Event.DomainLifecycle;
        Assert.That((started.Domain.Name, started.Type, started.Status.State, started.Status.Reason),
            Is.EqualTo(("d00", DomainEventType.Started, DomainState.Running, (int)DomainRunningReason.Booted)));
    }

    [Test]
    public async Task Define_reports_whether_it_replaced_a_definition()
    {
        var api = new ApiHarness();
        var xml = ApiHarness.DomainXml("web", "aaaaaaaa-0000-0000-0000-000000000001");
        var first = await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = xml });
        var second = await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = xml });
        Assert.That((first.Replaced, second.Replaced), Is.EqualTo((false, true)));
        Assert.That(first.Domain, Is.EqualTo(new DomainIdentity { Name = "web", Uuid = "aaaaaaaa-0000-0000-0000-000000000001", Id = -1 }));
    }

    [Test]
    public async Task Define_list_dumpxml_undefine()
    {
        var api = new ApiHarness();
        await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = ApiHarness.DomainXml("web", "aaaaaaaa-0000-0000-0000-000000000001") });
        var xml = (await api.Domains.GetDomainXmlAsync(new GetDomainXmlRequest { Domain = ApiHarness.Name("web") })).Xml;
        Assert.That(xml, Does.Contain("<uuid>aaaaaaaa-0000-0000-0000-000000000001</uuid>"));
        await api.Domains.UndefineDomainAsync(new UndefineDomainRequest { Domain = new DomainRef { Uuid = "aaaaaaaa-0000-0000-0000-000000000001" } });
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.LookupDomainAsync(new LookupDomainRequest { Domain = ApiHarness.Name("web") }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public async Task Inactive_XML_of_a_running_domain_has_no_id()
    {
        var api = new ApiHarness();
        var live = (await api.Domains.GetDomainXmlAsync(new GetDomainXmlRequest { Domain = ApiHarness.Name("test") })).Xml;
        var inactive = (await api.Domains.GetDomainXmlAsync(new GetDomainXmlRequest { Domain = ApiHarness.Name("test"), Inactive = true })).Xml;
        Assert.That(live, Does.StartWith("<domain type='test' id='1'>"));
        Assert.That(inactive, Does.StartWith("<domain type='test'>"));
    }

    [Test]
    public async Task Title_description_and_elements_round_trip_and_absent_ones_are_METADATA_NOT_FOUND()
    {
        var api = new ApiHarness();
        var test = ApiHarness.Name("test");
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Title }));
        Assert.That((e!.StatusCode, ApiHarness.ErrorInfoOf(e).Reason), Is.EqualTo((StatusCode.NotFound, "METADATA_NOT_FOUND")));

        await api.Domains.SetDomainMetadataAsync(new SetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Title, Value = "Web server", Live = true, Config = true });
        await api.Domains.SetDomainMetadataAsync(new SetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Element, Uri = "http://example.org/app", Key = "app", Value = "<app><tier>web</tier></app>", Live = true });
        Assert.That((await api.Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Title })).Value, Is.EqualTo("Web server"));
        Assert.That((await api.Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Title, Config = true })).Value, Is.EqualTo("Web server"));
        Assert.That((await api.Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Element, Uri = "http://example.org/app" })).Value,
            Does.Contain("<app:tier>web</app:tier>").Or.Contain("tier>web<"));
        // Live only: the persistent definition has no element.
        Assert.ThrowsAsync<RpcException>(async () => await api.Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Element, Uri = "http://example.org/app", Config = true }));
        Assert.That((await api.Domains.LookupDomainAsync(new LookupDomainRequest { Domain = test })).Domain.Title, Is.EqualTo("Web server"));

        // An empty value removes.
        await api.Domains.SetDomainMetadataAsync(new SetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Title, Live = true });
        Assert.ThrowsAsync<RpcException>(async () => await api.Domains.GetDomainMetadataAsync(new GetDomainMetadataRequest { Domain = test, Type = DomainMetadataType.Title }));
    }

    [Test]
    public async Task Life_cycle_calls_report_the_state_they_leave()
    {
        var api = new ApiHarness();
        var test = ApiHarness.Name("test");
        Assert.That((await api.Domains.SuspendDomainAsync(new SuspendDomainRequest { Domain = test })).Status,
            Is.EqualTo(new DomainStatus { State = DomainState.Paused, Reason = (int)DomainPausedReason.User }));
        Assert.That((await api.Domains.ResumeDomainAsync(new ResumeDomainRequest { Domain = test })).Status,
            Is.EqualTo(new DomainStatus { State = DomainState.Running, Reason = (int)DomainRunningReason.Unpaused }));
        var job = await api.Domains.ShutdownDomainAsync(new ShutdownDomainRequest { Domain = test });
        Assert.That((job.Operation, job.State, job.Domain.Name), Is.EqualTo((JobOperation.Shutdown, JobState.Succeeded, "test")));
        Assert.That(job.EndTime, Is.Not.Null);
        var started = await api.Domains.StartDomainAsync(new StartDomainRequest { Domain = test });
        Assert.That((started.Domain.Id, started.Status.State), Is.EqualTo((2, DomainState.Running)));
        Assert.That((await api.Domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = new DomainRef { Id = 2 } })).Status,
            Is.EqualTo(new DomainStatus { State = DomainState.Shutoff, Reason = (int)DomainShutoffReason.Destroyed }));
    }

    [Test]
    public async Task A_transient_domain_is_gone_after_destroy()
    {
        var api = new ApiHarness();
        var created = await api.Domains.CreateDomainAsync(new CreateDomainRequest { Xml = ApiHarness.DomainXml("tmp") });
        Assert.That((created.Domain.Id, created.Status.State), Is.EqualTo((2, DomainState.Running)));
        var destroyed = await api.Domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = ApiHarness.Name("tmp") });
        Assert.That(destroyed.Status.State, Is.EqualTo(DomainState.Nostate));
        Assert.ThrowsAsync<RpcException>(async () => await api.Domains.LookupDomainAsync(new LookupDomainRequest { Domain = ApiHarness.Name("tmp") }));
    }

    [Test]
    public async Task Dominfo_carries_the_test_drivers_security_label()
    {
        var api = new ApiHarness();
        var info = await api.Domains.GetDomainInfoAsync(new GetDomainInfoRequest { Domain = ApiHarness.Name("test") });
        Assert.That((info.OsType, info.Vcpus, info.MaxMemoryKib, info.MemoryKib), Is.EqualTo(("linux", 2u, 8388608ul, 2097152ul)));
        Assert.That(info.SecurityLabels.Single(), Is.EqualTo(new SecurityLabel { Model = "testSecurity", Label = "libvirt-test", Enforcing = true }));
        await api.Domains.DestroyDomainAsync(new DestroyDomainRequest { Domain = ApiHarness.Name("test") });
        info = await api.Domains.GetDomainInfoAsync(new GetDomainInfoRequest { Domain = ApiHarness.Name("test") });
        Assert.That(info.SecurityLabels.Single(), Is.EqualTo(new SecurityLabel { Model = "testSecurity" }));
    }

    [Test]
    public async Task Networks_and_pools_list_and_describe_the_fixture()
    {
        var api = new ApiHarness();
        var network = (await api.Networks.ListNetworksAsync(new ListNetworksRequest())).Networks.Single();
        Assert.That((network.Network.Name, network.Active, network.Bridge), Is.EqualTo(("default", true, "virbr0")));
        Assert.That((await api.Networks.ListNetworksAsync(new ListNetworksRequest { Active = false })).Networks, Is.Empty);
        Assert.That((await api.Networks.GetNetworkXmlAsync(new GetNetworkXmlRequest { Network = new NetworkRef { Uuid = network.Network.Uuid } })).Xml, Does.Contain("<name>default</name>"));
        var pool = (await api.Storage.ListPoolsAsync(new ListPoolsRequest())).Pools.Single();
        Assert.That((pool.Pool.Name, pool.State, pool.Type, pool.CapacityBytes), Is.EqualTo(("default-pool", StoragePoolState.Running, "dir", 107374182400ul)));
        Assert.That((await api.Storage.ListPoolsAsync(new ListPoolsRequest { Types_ = { "logical" } })).Pools, Is.Empty);
        Assert.That((await api.Storage.LookupPoolAsync(new LookupPoolRequest { TargetPath = pool.TargetPath })).Pool.Pool.Name, Is.EqualTo("default-pool"));
        Assert.That((await api.Storage.GetPoolXmlAsync(new GetPoolXmlRequest { Pool = new PoolRef { Name = "default-pool" } })).Xml, Does.Contain("<name>default-pool</name>"));
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Networks.GetNetworkInfoAsync(new GetNetworkInfoRequest { Network = new NetworkRef { Name = "nosuch" } }));
        Assert.That((e!.StatusCode, e.Status.Detail), Is.EqualTo((StatusCode.NotFound, "Network not found: no network with matching name 'nosuch'")));
    }

    [Test]
    public async Task Host_facts_come_from_IHostInfo()
    {
        var api = new ApiHarness();
        var version = await api.Host.GetVersionAsync(new GetVersionRequest());
        Assert.That((version.HypervisorType, version.HypervisorVersion, version.LibraryVersionNumber, version.ApiVersion), Is.EqualTo(("TEST", "0.0.2", 9000000ul, "virt.v1")));
        Assert.That((await api.Host.GetHostnameAsync(new GetHostnameRequest())).Hostname, Is.EqualTo(System.Net.Dns.GetHostName()));
        var connection = await api.Host.GetConnectionInfoAsync(new GetConnectionInfoRequest());
        Assert.That((connection.ReadOnly, connection.Driver, connection.Secure), Is.EqualTo((false, "test", true)));
    }
}
