using Grpc.Core;
using Virt.Protocol.V1;

namespace Virt.Client.Tests;

/// <summary>The wrapped calls and their errors, the same through every target.</summary>
[TestFixtureSource(typeof(Target), nameof(Target.Names))]
public sealed class ConnectionTests(string targetName)
{
    private const string Uuid = "aaaaaaaa-1111-2222-3333-444444444444";

    private static readonly string _xml = """
        <domain type='test'>
          <name>web1</name>
          <uuid>aaaaaaaa-1111-2222-3333-444444444444</uuid>
          <memory unit='KiB'>131072</memory>
          <vcpu>1</vcpu>
          <os><type arch='i686'>hvm</type></os>
        </domain>
        """;

    private Target _target = null!;

    [SetUp]
    public async Task StartAsync() => _target = await Target.StartAsync(targetName);

    [TearDown]
    public async Task StopAsync() => await _target.DisposeAsync();

    [Test]
    public async Task Define_list_dumpxml_start_stop_undefine()
    {
        await using var connection = await _target.OpenAsync();
        Assert.That(connection.IsReadOnly, Is.False);
        var defined = await connection.DefineDomainAsync(_xml);
        Assert.That((defined.Domain.Name, defined.Domain.Uuid, defined.Replaced), Is.EqualTo(("web1", Uuid, false)));
        Assert.That((await connection.ListDomainsAsync(new DomainListFilter { Active = false })).Select(d => d.Domain.Name), Is.EqualTo(new[] { "web1" }));
        Assert.That(await connection.GetDomainXmlAsync("web1"), Does.Contain($"<uuid>{Uuid}</uuid>"));
        await connection.StartDomainAsync(Uuid);
        Assert.That((await connection.GetDomainStateAsync("web1")).State, Is.EqualTo(DomainState.Running));
        await connection.SuspendDomainAsync("web1");
        await connection.ResumeDomainAsync("web1");
        await connection.RebootDomainAsync("web1");
        await connection.ResetDomainAsync("web1");
        await connection.ShutdownDomainAsync("web1");
        Assert.That((await connection.GetDomainStateAsync("web1")).State, Is.EqualTo(DomainState.Shutoff));
        await connection.SetDomainAutostartAsync("web1", true);
        Assert.That((await connection.LookupDomainAsync("web1")).Autostart, Is.True);
        await connection.UndefineDomainAsync("web1");
        var e = Assert.ThrowsAsync<VirtClientException>(() => connection.LookupDomainAsync("web1"));
        Assert.That((e!.Code, e.Reason, e.Metadata["domain"]), Is.EqualTo((StatusCode.NotFound, ErrorReason.DomainNotFound, "web1")));
    }

    [Test]
    public async Task Opened_for_one_call_at_a_time_a_connection_carries_sequential_and_concurrent_calls_alike()
    {
        var options = new VirtConnectionOptions { UnaryCallsOnCallingThread = true };
        await using var connection = await VirtConnection.OpenAsync(_target.Uri, readOnly: false, options);
        await connection.DefineDomainAsync(_xml);
        Assert.That(await connection.GetDomainXmlAsync("web1"), Does.Contain($"<uuid>{Uuid}</uuid>"));
        var missing = Assert.ThrowsAsync<VirtClientException>(() => connection.LookupDomainAsync("absent"));
        Assert.That((missing!.Code, missing.Reason), Is.EqualTo((StatusCode.NotFound, ErrorReason.DomainNotFound)));

        // Calls that find the lane busy take the pooled connections; every one is answered, and with its own answer.
        var lookups = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            (await connection.LookupDomainAsync(i % 2 == 0 ? "web1" : "test")).Domain.Name)).ToArray();
        Assert.That(await Task.WhenAll(lookups), Is.EqualTo(Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? "web1" : "test")));
        await connection.UndefineDomainAsync("web1");
    }

    [Test]
    public async Task Create_makes_a_transient_domain_that_destroy_removes()
    {
        await using var connection = await _target.OpenAsync();
        var created = await connection.CreateDomainAsync(_xml);
        Assert.That(created.Status.State, Is.EqualTo(DomainState.Running));
        Assert.That((await connection.LookupDomainAsync("web1")).Persistent, Is.False);
        await connection.DestroyDomainAsync("web1");
        Assert.ThrowsAsync<VirtClientException>(() => connection.LookupDomainAsync("web1"));
    }

    [Test]
    public async Task Metadata_reads_null_when_absent_and_round_trips()
    {
        await using var connection = await _target.OpenAsync();
        Assert.That(await connection.GetDomainMetadataAsync("test", DomainMetadataType.Description), Is.Null);
        await connection.SetDomainMetadataAsync("test", DomainMetadataType.Description, "the fixture", live: true, config: true);
        Assert.That(await connection.GetDomainMetadataAsync("test", DomainMetadataType.Description), Is.EqualTo("the fixture"));
        Assert.That(await connection.GetDomainMetadataAsync("test", DomainMetadataType.Description, config: true), Is.EqualTo("the fixture"));
        await connection.SetDomainMetadataAsync("test", DomainMetadataType.Element, "<owner>ops</owner>", key: "acme", uri: "http://acme.example/owner");
        Assert.That(await connection.GetDomainMetadataAsync("test", DomainMetadataType.Element, "http://acme.example/owner"), Does.Contain("ops"));
        await connection.SetDomainMetadataAsync("test", DomainMetadataType.Element, null, uri: "http://acme.example/owner");
        Assert.That(await connection.GetDomainMetadataAsync("test", DomainMetadataType.Element, "http://acme.example/owner"), Is.Null);
    }

    [Test]
    public async Task A_number_or_UUID_that_matches_nothing_falls_back_to_the_name_as_virsh_does()
    {
        await using var connection = await _target.OpenAsync();
        await connection.DefineDomainAsync(_xml.Replace("<name>web1</name>", "<name>42</name>", StringComparison.Ordinal));
        Assert.That((await connection.LookupDomainAsync("42")).Domain.Uuid, Is.EqualTo(Uuid));
        await connection.UndefineDomainAsync("42");
        var e = Assert.ThrowsAsync<VirtClientException>(() => connection.GetDomainInfoAsync("42"));
        Assert.That(e!.Reason, Is.EqualTo(ErrorReason.DomainNotFound));
        Assert.That(e.Message, Does.StartWith("Domain not found: no domain with matching name '42'"));
    }

    [Test]
    public async Task Read_only_connections_read_and_refuse_changes()
    {
        await using var connection = await _target.OpenAsync(readOnly: true);
        Assert.That(connection.IsReadOnly, Is.True);
        Assert.That((await connection.ListDomainsAsync()).Select(d => d.Domain.Name), Is.EqualTo(new[] { "test" }));
        Assert.That(await connection.GetDomainXmlAsync("test"), Does.Contain("<name>test</name>"));
        Assert.That((await connection.ListNetworksAsync()).Count, Is.EqualTo(1));
        foreach (var change in new Func<Task>[]
        {
            () => connection.DefineDomainAsync(_xml),
            () => connection.DestroyDomainAsync("test"),
            () => connection.SuspendDomainAsync("test"),
            () => connection.UndefineDomainAsync("test"),
            () => connection.SetDomainAutostartAsync("test", true),
            () => connection.SetDomainMetadataAsync("test", DomainMetadataType.Title, "x"),
            () => connection.GetDomainXmlAsync("test", securityInfo: true),
        })
        {
            var e = Assert.ThrowsAsync<VirtClientException>(() => change());
            Assert.That((e!.Code, e.Reason), Is.EqualTo((StatusCode.PermissionDenied, ErrorReason.ReadOnly)));
            Assert.That(e.Message, Does.StartWith("operation forbidden: "));
        }
        // Nothing changed, as an admin connection sees it.
        await using var admin = await _target.OpenAsync();
        if (targetName != "test:///default")
        {
            var test = await admin.GetDomainInfoAsync("test");
            Assert.That((test.Status.State, test.Autostart, test.Title), Is.EqualTo((DomainState.Running, false, "")));
            Assert.That((await admin.ListDomainsAsync()).Count, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Unknown_networks_and_pools_are_typed()
    {
        await using var connection = await _target.OpenAsync();
        var network = Assert.ThrowsAsync<VirtClientException>(() => connection.GetNetworkInfoAsync("nosuch"));
        Assert.That((network!.Code, network.Reason), Is.EqualTo((StatusCode.NotFound, ErrorReason.NetworkNotFound)));
        var pool = Assert.ThrowsAsync<VirtClientException>(() => connection.GetPoolXmlAsync("6695eb01-0000-0000-0000-000000000000"));
        Assert.That((pool!.Code, pool.Reason), Is.EqualTo((StatusCode.NotFound, ErrorReason.StoragePoolNotFound)));
        Assert.That(await connection.GetNetworkXmlAsync("dd8fe884-6c02-601e-7551-cca97df1c5df"), Does.Contain("<name>default</name>"));
    }

    [Test]
    public async Task Version_reports_the_test_hypervisor()
    {
        await using var connection = await _target.OpenAsync();
        Assert.That(await connection.GetHypervisorTypeAsync(), Is.EqualTo("TEST"));
        var version = await connection.Host.GetVersionAsync(new GetVersionRequest());
        Assert.That(version.HypervisorVersion, Is.EqualTo("0.0.2"));
    }
}

/// <summary>Connecting to daemons: the session default, a missing daemon, event streams across a restart.</summary>
public sealed class DaemonConnectionTests
{
    [Test]
    public async Task The_session_URI_finds_the_daemon_in_the_state_directory()
    {
        var stateHome = Directory.CreateTempSubdirectory("virt-state-").FullName;
        var saved = (Environment.GetEnvironmentVariable("XDG_STATE_HOME"), Environment.GetEnvironmentVariable("VIRT_DEFAULT_URI"));
        try
        {
            await using var server = await HostedServer.StartAsync(directory: Path.Combine(stateHome, "virt", "run"));
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", stateHome);
            Environment.SetEnvironmentVariable("VIRT_DEFAULT_URI", null);
            // Not the default here when the tests run as root (then it is virt:///system); UriTests cover the default rule.
            await using (var connection = await VirtConnection.OpenAsync("virt:///session"))
            {
                Assert.That(connection.Uri, Is.EqualTo("virt:///session"));
                Assert.That((await connection.ListDomainsAsync()).Single().Domain.Name, Is.EqualTo("test"));
            }
            await using (var readOnly = await VirtConnection.OpenAsync("virt:///session", readOnly: true))
            {
                var e = Assert.ThrowsAsync<VirtClientException>(() => readOnly.DestroyDomainAsync("test"));
                Assert.That(e!.Reason, Is.EqualTo(ErrorReason.ReadOnly));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", saved.Item1);
            Environment.SetEnvironmentVariable("VIRT_DEFAULT_URI", saved.Item2);
        }
    }

    [Test]
    public async Task A_daemon_that_is_not_running_fails_at_open_with_the_systems_reason()
    {
        var directory = Directory.CreateTempSubdirectory("virt-none-").FullName;
        try
        {
            var socket = Path.Combine(directory, "virtd.sock");
            var e = Assert.ThrowsAsync<VirtClientException>(() => VirtConnection.OpenAsync("virt+unix://" + socket));
            Assert.That((e!.Code, e.Reason), Is.EqualTo((StatusCode.Unavailable, ErrorReason.Unspecified)));
            Assert.That(e.Message, Is.EqualTo($"Failed to connect socket to '{socket}': No such file or directory"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task The_event_feed_resumes_across_a_daemon_restart_without_loss_or_duplicates()
    {
        await using var server = await HostedServer.StartAsync();
        await using var connection = await VirtConnection.OpenAsync("virt+unix://" + server.AdminSocket);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var feed = connection.SubscribeEventsAsync(new SubscribeRequest(), cancel.Token).GetAsyncEnumerator(cancel.Token);

        async Task<SubscribeResponse> NextAsync()
        {
            Assert.That(await feed.MoveNextAsync(), Is.True);
            return feed.Current;
        }

        Assert.That((await NextAsync()).KindCase, Is.EqualTo(SubscribeResponse.KindOneofCase.CaughtUp));
        await connection.SuspendDomainAsync("test");
        Assert.That((await NextAsync()).Event.Sequence, Is.EqualTo(1));

        // The daemon restarts (same event log, as a persisted one would be); events happen while it is down.
        await server.RestartAsync(() =>
        {
            for (var i = 0; i < 3; i++)
            {
                server.Events.Append(new Virt.Driver.DomainLifecycleEvent("test", Guid.Empty, Virt.Driver.DomainEventType.Resumed, 0));
            }
            return Task.CompletedTask;
        });
        List<ulong> sequences = [];
        SubscribeResponse item;
        while ((item = await NextAsync()).KindCase != SubscribeResponse.KindOneofCase.CaughtUp)
        {
            sequences.Add(item.Event.Sequence);
        }
        Assert.That(sequences, Is.EqualTo(new ulong[] { 2, 3, 4 }));
        Assert.That(item.CaughtUp.LatestSequence, Is.EqualTo(4));
    }

    [Test]
    public async Task Tcp_read_only_is_applied_by_the_client()
    {
        await using var server = await HostedServer.StartAsync();
        var uri = $"virt+tcp://127.0.0.1:{server.Server.BoundTcpEndPoints[0].Port}/";
        await using var connection = await VirtConnection.OpenAsync(uri, readOnly: true);
        Assert.That((await connection.ListDomainsAsync()).Count, Is.EqualTo(1));
        var e = Assert.ThrowsAsync<VirtClientException>(() => connection.DestroyDomainAsync("test"));
        Assert.That((e!.Code, e.Reason), Is.EqualTo((StatusCode.PermissionDenied, ErrorReason.ReadOnly)));
        Assert.That(server.Events.LatestSequence, Is.Zero);
    }
}
