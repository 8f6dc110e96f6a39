using System.Globalization;
using System.Security;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Virt.Api;
using Virt.Client;
using Virt.Protocol.V1;
using Virt.Rpc;
using Virt.Rpc.Client;
using Virt.Testing;

namespace Virt.Integration.Tests;

/// <summary>Domain definitions through a real virtd (QEMU driver) over both sockets: the wire-level checks.</summary>
public sealed class VirtdDomainTests
{
    private static TimeSpan LogWait { get; } = TimeSpan.FromSeconds(10);

    private static string Xml(string name, Guid? uuid = null, string? description = null) =>
        $"""
        <domain type='qemu'>
          <name>{SecurityElement.Escape(name)}</name>
          {(uuid is { } u ? $"<uuid>{u}</uuid>" : "")}
          {(description is null ? "" : $"<description>{description}</description>")}
          <memory unit='MiB'>64</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
        </domain>
        """;

    [Test]
    [CancelAfter(120_000)]
    public async Task Defining_listing_and_paging_never_load_openssl_into_virtd(CancellationToken ct)
    {
        // OpenSSL's libcrypto is 3.5 MiB resident once loaded (tools/bench/README.md, daemon RSS): the journal's
        // checksums, list page tokens, generated MACs and job ids must not pull it in.
        await using var virtd = await VirtdProcess.StartAsync();
        await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
        var xml = Xml("web1").Replace("</os>", "</os><devices><interface type='user'/></devices>", StringComparison.Ordinal);

        await virt.DefineDomainAsync(xml, ct: ct);
        await virt.DefineDomainAsync(Xml("web2"), ct: ct);
        var page = await virt.Domains.ListDomainsAsync(new ListDomainsRequest { PageSize = 1 }, cancellationToken: ct);
        var next = await virt.Domains.ListDomainsAsync(new ListDomainsRequest { PageSize = 1, PageToken = page.NextPageToken }, cancellationToken: ct);
        await virt.UndefineDomainAsync("web2", ct);

        var maps = await File.ReadAllTextAsync($"/proc/{virtd.Pid}/maps", ct);
        Assert.That(page.NextPageToken, Is.Not.Empty);
        Assert.That(next.Domains, Has.Count.EqualTo(1));
        Assert.That(maps, Does.Not.Contain("libcrypto").And.Not.Contain("libssl"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Define_list_dumpxml_undefine_on_the_admin_socket_each_change_logged_with_the_callers_credentials(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
        var uuid = Guid.NewGuid();

        var defined = await virt.DefineDomainAsync(Xml("web1", uuid), ct: ct);
        var listed = await virt.ListDomainsAsync(ct: ct);
        var xml = await virt.GetDomainXmlAsync("web1", ct: ct);
        var byUuid = await virt.LookupDomainAsync(uuid.ToString(), ct);
        var file = Path.Combine(virtd.StateDir, "qemu", "domains", $"{uuid}.xml");
        var stored = await File.ReadAllTextAsync(file, ct);
        await virt.UndefineDomainAsync("web1", ct);
        var afterUndefine = await virt.ListDomainsAsync(ct: ct);

        Assert.That(await virt.GetHypervisorTypeAsync(ct), Is.EqualTo("QEMU"));
        Assert.That(defined.Domain.Name, Is.EqualTo("web1"));
        Assert.That(defined.Domain.Uuid, Is.EqualTo(uuid.ToString()));
        Assert.That(defined.Domain.Id, Is.EqualTo(-1));
        Assert.That(listed.Select(d => d.Domain.Name), Is.EqualTo(new[] { "web1" }));
        Assert.That(listed[0].Persistent, Is.True);
        Assert.That(listed[0].MaxMemoryKib, Is.EqualTo(65536UL));
        Assert.That(byUuid.Domain.Name, Is.EqualTo("web1"));
        Assert.That(xml, Is.EqualTo(stored), "dumpxml shows the document as stored");
        Assert.That(xml, Does.Contain($"<uuid>{uuid}</uuid>"));
        Assert.That(afterUndefine, Is.Empty);
        Assert.That(File.Exists(file), Is.False);
        var peer = PeerCredentials.Current;
        foreach (var method in new[] { "DefineDomain", "UndefineDomain" })
        {
            var line = await virtd.Log.WaitForLineAsync(l => l.Contains($"call virt.v1.DomainService/{method} OK via unix:{virtd.AdminSocket}", StringComparison.Ordinal), LogWait, ct);
            Assert.That(line.Text, Does.EndWith($"by pid={Environment.ProcessId} uid={peer.Uid} gid={peer.Gid}"));
        }
        Assert.That(virtd.Log.Snapshot(), Has.None.Contains("call virt.v1.DomainService/ListDomains"), "reads are not audited");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task The_read_only_socket_serves_reads_and_refuses_every_mutating_rpc_before_it_runs(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await using (var admin = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct))
        {
            await admin.DefineDomainAsync(Xml("web1"), ct: ct);
        }
        await using var readOnly = await VirtConnection.OpenAsync(virtd.ReadOnlyUri, readOnly: true, cancellationToken: ct);

        Assert.That((await readOnly.ListDomainsAsync(ct: ct)).Select(d => d.Domain.Name), Is.EqualTo(new[] { "web1" }));
        Assert.That((await readOnly.LookupDomainAsync("web1", ct)).Persistent, Is.True);
        Assert.That(await readOnly.GetDomainXmlAsync("web1", ct: ct), Does.Contain("<name>web1</name>"));
        Assert.That((await readOnly.GetDomainInfoAsync("web1", ct)).Domain.Name, Is.EqualTo("web1"));
        Assert.That((await readOnly.GetDomainStateAsync("web1", ct)).State, Is.EqualTo(DomainState.Shutoff));
        Assert.That(await readOnly.GetHypervisorTypeAsync(ct), Is.EqualTo("QEMU"));
        Assert.That(await readOnly.ListNetworksAsync(ct), Is.Not.Empty);
        Assert.That(await readOnly.ListPoolsAsync(ct), Is.Not.Empty);

        // Taken after the reads: the first version query caches QEMU's capabilities under STATE/cache.
        var before = virtd.StateFingerprint();

        // Every method that is not READ, called raw (no client-side check) with an empty request: the server must refuse
        // it before the handler runs, so even methods no driver implements answer PERMISSION_DENIED, not UNIMPLEMENTED.
        using var channel = RpcChannel.ForUnixSocket(virtd.ReadOnlySocket);
        var invoker = channel.CreateCallInvoker();
        var refused = new List<string>();
        foreach (var service in new[] { DomainService.Descriptor, NetworkService.Descriptor, StorageService.Descriptor, EventService.Descriptor, HostService.Descriptor })
        {
            foreach (var method in service.Methods.Where(m => VirtApi.AccessOf(m) != MethodAccess.Read))
            {
                var ex = Assert.ThrowsAsync<RpcException>(async () => await CallEmptyAsync(invoker, method, ct), method.FullName);
                Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied), method.FullName);
                Assert.That(VirtClientException.From(ex).Reason, Is.EqualTo(ErrorReason.ReadOnly), method.FullName);
                refused.Add(method.FullName);
            }
        }
        var define = Assert.ThrowsAsync<VirtClientException>(async () => await readOnly.DefineDomainAsync(Xml("web2"), ct: ct));

        Assert.That(refused, Has.Count.GreaterThan(20).And.Contains("virt.v1.DomainService.DefineDomain").And.Contains("virt.v1.DomainService.UndefineDomain"));
        Assert.That(define!.Code, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(virtd.StateFingerprint(), Is.EqualTo(before), "a refused call changed the state directory");
        var audit = await virtd.Log.WaitForLineAsync(l => l.Contains($"call virt.v1.DomainService/UndefineDomain PermissionDenied via unix:{virtd.ReadOnlySocket}", StringComparison.Ordinal), LogWait, ct);
        Assert.That(audit.Text, Does.Contain($"by pid={Environment.ProcessId}"));
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task Thirty_two_concurrent_clients_defining_and_undefining_distinct_domains_leave_exactly_the_final_state(CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        const int Clients = 32;
        const int Rounds = 5;

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
            var uuid = Guid.NewGuid();
            for (var round = 0; round < Rounds; round++)
            {
                var added = await virt.DefineDomainAsync(Xml($"vm{c}", uuid), ct: ct);
                var updated = await virt.DefineDomainAsync(Xml($"vm{c}", uuid, $"round {round}"), ct: ct);
                Assert.That((added.Replaced, updated.Replaced), Is.EqualTo((false, true)));
                await virt.UndefineDomainAsync(uuid.ToString(), ct);
            }
            await virt.DefineDomainAsync(Xml($"keep{c}", description: $"client {c}"), ct: ct);
        }, ct)));
        await using var check = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
        var listed = await check.ListDomainsAsync(ct: ct);
        var latest = await check.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct);

        var expected = Enumerable.Range(0, Clients).Select(c => $"keep{c}").ToList();
        Assert.That(listed.Select(d => d.Domain.Name), Is.EquivalentTo(expected));
        Assert.That(listed.Select(d => d.Domain.Name).Distinct().Count(), Is.EqualTo(Clients));
        Assert.That(Directory.GetFiles(Path.Combine(virtd.StateDir, "qemu", "domains")), Has.Length.EqualTo(Clients));
        Assert.That(latest.LatestSequence, Is.EqualTo((ulong)(Clients * ((Rounds * 3) + 1))), "one event per change, none lost or repeated");
        foreach (var domain in listed)
        {
            var client = domain.Domain.Name["keep".Length..];
            Assert.That(await check.GetDomainMetadataAsync(domain.Domain.Name, DomainMetadataType.Description, ct: ct), Is.EqualTo($"client {client}"));
        }
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task Sigkill_mid_define_storm_then_restart_keeps_every_acknowledged_definition_whole_and_the_event_numbering(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("virt-virtd-kill-").FullName;
        try
        {
            var names = Enumerable.Range(0, 8).SelectMany(c => Enumerable.Range(0, 4).Select(i => $"c{c}d{i}")).ToList();
            var uuids = names.ToDictionary(n => n, _ => Guid.NewGuid());
            var padding = new string('x', 200_000);
            string? epoch = null;
            ulong sequenceBeforeKill = 0;
            for (var round = 0; round < 3; round++)
            {
                var virtd = await VirtdProcess.StartAsync(state);
                var acknowledged = new Dictionary<string, int>();
                var ackedEnough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await using (var virt0 = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct))
                {
                    var latest = await virt0.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct);
                    if (epoch is not null)
                    {
                        Assert.That(latest.Epoch, Is.EqualTo(epoch), "the epoch survives SIGKILL");
                        Assert.That(latest.LatestSequence, Is.GreaterThanOrEqualTo(sequenceBeforeKill), "numbering resumes at or above what was handed out");
                    }
                    epoch = latest.Epoch;
                }
                var writers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
                {
                    await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
                    for (var generation = (round * 1000) + 1; ; generation++)
                    {
                        for (var i = 0; i < 4; i++)
                        {
                            var name = $"c{c}d{i}";
                            try
                            {
                                await virt.DefineDomainAsync(Xml(name, uuids[name], $"generation {generation} {padding} {generation}"), ct: ct);
                            }
                            catch (VirtClientException e) when (e.Code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled)
                            {
                                return;
                            }
                            lock (acknowledged)
                            {
                                acknowledged[name] = generation;
                                if (acknowledged.Count == names.Count)
                                {
                                    ackedEnough.TrySetResult();
                                }
                            }
                        }
                    }
                }, ct)).ToList();
                await ackedEnough.Task.WaitAsync(ct);
                await using (var probe = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct))
                {
                    sequenceBeforeKill = (await probe.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct)).LatestSequence;
                }
                // SIGKILL while eight clients are each in the middle of a define.
                await virtd.StopAsync("KILL");
                await Task.WhenAll(writers);
                await virtd.DisposeAsync();

                await using var restarted = await VirtdProcess.StartAsync(state);
                await using var check = await VirtConnection.OpenAsync(restarted.AdminUri, cancellationToken: ct);
                var domains = (await check.ListDomainsAsync(ct: ct)).Select(d => d.Domain.Name).ToHashSet();
                Assert.That(Directory.Exists(Path.Combine(state, "qemu", "quarantine")), Is.False,
                    "a definition did not load after SIGKILL:\n" + string.Join('\n', restarted.Log.Snapshot()));
                Assert.That(Directory.GetFiles(Path.Combine(state, "qemu", "domains")).Where(f => !f.EndsWith(".xml", StringComparison.Ordinal)), Is.Empty, "temporary files left after restart");
                Dictionary<string, int> acked;
                lock (acknowledged)
                {
                    acked = new Dictionary<string, int>(acknowledged);
                }
                foreach (var (name, generation) in acked)
                {
                    Assert.That(domains, Does.Contain(name), $"{name} was acknowledged and then lost");
                    var description = await check.GetDomainMetadataAsync(name, DomainMetadataType.Description, ct: ct) ?? "";
                    var parts = description.Split(' ');
                    Assert.That(parts, Has.Length.EqualTo(4), $"{name}'s description is not whole");
                    Assert.That(parts[1], Is.EqualTo(parts[3]), $"{name} is torn");
                    Assert.That(int.Parse(parts[1], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(generation), $"{name} went back to an older generation");
                }
                await restarted.StopAsync();
            }
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static IEnumerable<TestCaseData> BadInput()
    {
        yield return Case("malformed XML", v => v.DefineDomainAsync("<domain type='qemu'><name>x</name>"), StatusCode.InvalidArgument, ErrorReason.InvalidXml);
        yield return Case("XML with a DTD and an entity", v => v.DefineDomainAsync("<!DOCTYPE domain [<!ENTITY n 'evil'>]><domain type='qemu'><name>&n;</name><memory>1</memory><os><type>hvm</type></os></domain>"), StatusCode.InvalidArgument, ErrorReason.InvalidXml);
        yield return Case("XML with an external entity", v => v.DefineDomainAsync("<!DOCTYPE domain [<!ENTITY n SYSTEM 'file:///etc/passwd'>]><domain type='qemu'><name>&n;</name><memory>1</memory><os><type>hvm</type></os></domain>"), StatusCode.InvalidArgument, ErrorReason.InvalidXml);
        // The API layer checks the size before the driver parses (the driver's own check says ResourceLimit).
        yield return Case("oversized XML (over 1 MiB)", v => v.DefineDomainAsync(Xml("big", description: new string('x', (1 << 20) + 1))), StatusCode.InvalidArgument, ErrorReason.InvalidXml);
        yield return Case("oversized message (over the 4 MiB transport limit)", v => v.DefineDomainAsync(Xml("huge", description: new string('x', 5 << 20))), StatusCode.ResourceExhausted, null);
        yield return Case("duplicate name", v => v.DefineDomainAsync(Xml("web1", Guid.NewGuid())), StatusCode.AlreadyExists, ErrorReason.DomainExists);
        yield return Case("duplicate UUID", v => v.DefineDomainAsync(Xml("web2", Web1Uuid)), StatusCode.AlreadyExists, ErrorReason.DomainExists);
        yield return Case("a name with a slash", v => v.DefineDomainAsync(Xml("a/b")), StatusCode.InvalidArgument, ErrorReason.InvalidArgument);
        yield return Case("an empty name", v => v.DefineDomainAsync(Xml("")), StatusCode.InvalidArgument, ErrorReason.InvalidArgument);
        yield return Case("a name starting with a dot", v => v.DefineDomainAsync(Xml("..")), StatusCode.InvalidArgument, ErrorReason.InvalidArgument);
        yield return Case("a name over 200 characters", v => v.DefineDomainAsync(Xml(new string('n', 201))), StatusCode.InvalidArgument, ErrorReason.InvalidArgument);
        yield return Case("undefine of an unknown domain", v => v.UndefineDomainAsync("nosuch"), StatusCode.NotFound, ErrorReason.DomainNotFound);
        yield return Case("autostart of an unknown domain", v => v.SetDomainAutostartAsync("nosuch", true), StatusCode.NotFound, ErrorReason.DomainNotFound);
        yield return Case("dumpxml of an unknown domain", v => v.GetDomainXmlAsync("nosuch"), StatusCode.NotFound, ErrorReason.DomainNotFound);
        yield return Case("create with a kernel that does not exist", v => v.CreateDomainAsync(Xml("nokernel").Replace("</os>", "<kernel>/nonexistent/vmlinuz</kernel></os>", StringComparison.Ordinal)), StatusCode.InvalidArgument, ErrorReason.InvalidArgument);
        yield return Case("destroy of a shut-off domain", v => v.DestroyDomainAsync("web1"), StatusCode.FailedPrecondition, ErrorReason.OperationInvalid);
        yield return new TestCaseData((Func<VirtConnection, Task>)(v => v.DefineDomainAsync(Xml("web3"))), StatusCode.PermissionDenied, (ErrorReason?)ErrorReason.ReadOnly, true)
            .SetName("Bad input: define over the read-only socket");
        yield return new TestCaseData((Func<VirtConnection, Task>)(v => v.UndefineDomainAsync("web1")), StatusCode.PermissionDenied, (ErrorReason?)ErrorReason.ReadOnly, true)
            .SetName("Bad input: undefine over the read-only socket");

        static TestCaseData Case(string name, Func<VirtConnection, Task> call, StatusCode code, ErrorReason? reason) =>
            new TestCaseData(call, code, reason, false).SetName($"Bad input: {name}");
    }

    private static Guid Web1Uuid { get; } = Guid.Parse("8f07fe28-753f-4b4d-b4a4-a3d2d0b7e2b2");

    [TestCaseSource(nameof(BadInput))]
    [CancelAfter(120_000)]
    public async Task Bad_input_gets_a_typed_error_and_leaves_the_state_directory_byte_identical(Func<VirtConnection, Task> call, StatusCode code, ErrorReason? reason, bool readOnly, CancellationToken ct)
    {
        await using var virtd = await VirtdProcess.StartAsync();
        await using (var admin = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct))
        {
            await admin.DefineDomainAsync(Xml("web1", Web1Uuid), ct: ct);
        }
        var before = virtd.StateFingerprint();
        await using var virt = readOnly
            ? await VirtConnection.OpenAsync(virtd.ReadOnlyUri, readOnly: true, cancellationToken: ct)
            : await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);

        var ex = Assert.ThrowsAsync<VirtClientException>(async () => await call(virt));
        var listed = await virt.ListDomainsAsync(ct: ct);

        Assert.That(ex!.Code, Is.EqualTo(code), ex.Message);
        if (reason is not null)
        {
            Assert.That(ex.Reason, Is.EqualTo(reason), ex.Message);
        }
        Assert.That(virtd.StateFingerprint(), Is.EqualTo(before), "the state directory changed");
        Assert.That(listed.Select(d => d.Domain.Name), Is.EqualTo(new[] { "web1" }));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Definitions_autostart_and_the_event_epoch_survive_a_clean_restart_and_numbering_continues(CancellationToken ct)
    {
        var state = Directory.CreateTempSubdirectory("virt-virtd-restart-").FullName;
        try
        {
            GetLatestSequenceResponse first;
            await using (var virtd = await VirtdProcess.StartAsync(state))
            {
                await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
                await virt.DefineDomainAsync(Xml("web1"), ct: ct);
                await virt.SetDomainAutostartAsync("web1", true, ct);
                await virt.SetDomainMetadataAsync("web1", DomainMetadataType.Title, "Front end", ct: ct);
                first = await virt.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct);
            }
            await using (var virtd = await VirtdProcess.StartAsync(state))
            {
                await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri, cancellationToken: ct);
                var web1 = await virt.LookupDomainAsync("web1", ct);
                var again = await virt.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct);
                await virt.DefineDomainAsync(Xml("web2"), ct: ct);
                var next = await virt.Events.GetLatestSequenceAsync(new GetLatestSequenceRequest(), cancellationToken: ct);

                Assert.That(web1.Autostart, Is.True);
                Assert.That(web1.Title, Is.EqualTo("Front end"));
                Assert.That(again.Epoch, Is.EqualTo(first.Epoch));
                Assert.That(again.LatestSequence, Is.GreaterThanOrEqualTo(first.LatestSequence));
                Assert.That(next.LatestSequence, Is.GreaterThan(first.LatestSequence), "a sequence number is never handed out twice");

                // Autostart runs once virtd is up, in the background.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while ((await virt.LookupDomainAsync("web1", ct)).Status.State != DomainState.Running && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, ct);
                }
                Assert.That((await virt.LookupDomainAsync("web1", ct)).Status.State, Is.EqualTo(DomainState.Running), "the autostart domain was started");
                await virt.DestroyDomainAsync("web1", ct: ct);
            }
        }
        finally
        {
            await VirtdProcess.KillGuestsAsync(Path.Combine(state, "run"));
            Directory.Delete(state, recursive: true);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Driver_test_serves_libvirts_test_fixture()
    {
        await using var virtd = await VirtdProcess.StartAsync(null, "--driver", "test");
        await using var virt = await VirtConnection.OpenAsync(virtd.AdminUri);

        var domains = await virt.ListDomainsAsync();

        Assert.That(await virt.GetHypervisorTypeAsync(), Is.EqualTo("TEST"));
        Assert.That(domains.Select(d => (d.Domain.Name, d.Domain.Id)), Is.EqualTo(new[] { ("test", 1) }));
        Assert.That(Directory.Exists(Path.Combine(virtd.StateDir, "qemu")), Is.False, "the test driver keeps nothing on disk");
    }

    /// <summary>Calls any method with an empty request, whatever its streaming shape, and waits for its status.</summary>
    private static async Task CallEmptyAsync(CallInvoker invoker, MethodDescriptor method, CancellationToken ct)
    {
        var request = method.InputType.Parser.ParseFrom(ByteString.Empty);
        var requestMarshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.InputType.Parser.ParseFrom(b));
        var responseMarshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.OutputType.Parser.ParseFrom(b));
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var rpc = new Method<IMessage, IMessage>(type, method.Service.FullName, method.Name, requestMarshaller, responseMarshaller);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
        switch (type)
        {
            case MethodType.Unary:
                await invoker.AsyncUnaryCall(rpc, null, options, request).ResponseAsync;
                break;
            case MethodType.ServerStreaming:
                using (var call = invoker.AsyncServerStreamingCall(rpc, null, options, request))
                {
                    while (await call.ResponseStream.MoveNext(ct))
                    {
                    }
                }
                break;
            case MethodType.ClientStreaming:
                using (var call = invoker.AsyncClientStreamingCall(rpc, null, options))
                {
                    await call.RequestStream.CompleteAsync();
                    await call.ResponseAsync;
                }
                break;
            default:
                using (var call = invoker.AsyncDuplexStreamingCall(rpc, null, options))
                {
                    await call.RequestStream.CompleteAsync();
                    while (await call.ResponseStream.MoveNext(ct))
                    {
                    }
                }
                break;
        }
    }
}
