using Google.Protobuf.Reflection;
using Grpc.Core;
using Virt.Driver;
using Virt.Driver.Test;
using Virt.Protocol.V1;
using Virt.Rpc;
using Virt.Rpc.Client;
using Virt.Rpc.Server;

namespace Virt.Api.Tests;

/// <summary>
/// The read-only rule comes from each method's (virt.v1.access) option and is enforced before the handler runs, for
/// every method of every service, implemented or not, on a real read-only Unix socket and in-process.
/// </summary>
public sealed class AccessTests
{
    private static readonly Marshaller<byte[]> _raw = Marshallers.Create(b => b, b => b);

    private static IEnumerable<MethodDescriptor> AllMethods() =>
        VirtApi.CreateServices(NullDriver(), NullDriver(), NullDriver(), new EventLog(), HostInfo.ForTestDriver("t"))
            .SelectMany(s => s.Descriptor.Methods);

    private static TestDriver NullDriver() => TestDriver.CreateDefault(new EventLog());

    [Test]
    public async Task Every_method_that_is_not_READ_is_refused_on_the_read_only_socket_before_it_runs()
    {
        await using var server = await HostedApi.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.ReadOnlySocket);
        var invoker = channel.CreateCallInvoker();
        var checkedWrite = 0;
        foreach (var method in AllMethods())
        {
            var access = VirtApi.AccessOf(method);
            if (access == MethodAccess.Read)
            {
                continue;
            }
            var status = await CallRawAsync(invoker, method);
            Assert.That(status.Code, Is.EqualTo(StatusCode.PermissionDenied), method.FullName);
            Assert.That(status.Reason, Is.EqualTo("READ_ONLY"), method.FullName);
            checkedWrite++;
        }
        Assert.That(checkedWrite, Is.GreaterThan(40));
        // Nothing changed: the fixture is as it was and no event was logged.
        Assert.That(server.Events.LatestSequence, Is.Zero);
        Assert.That((await server.Driver.ListDomainsAsync(Virt.Driver.DomainListFilter.All, CancellationToken.None)).Select(d => (d.Name, d.State)),
            Is.EqualTo(new[] { ("test", Virt.Driver.DomainState.Running) }));
    }

    [Test]
    public async Task Unary_READ_methods_are_served_on_the_read_only_socket()
    {
        await using var server = await HostedApi.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.ReadOnlySocket);
        var invoker = channel.CreateCallInvoker();
        foreach (var method in AllMethods().Where(m => VirtApi.AccessOf(m) == MethodAccess.Read && !m.IsServerStreaming && !m.IsClientStreaming))
        {
            // Empty requests: answered, or refused for what they lack, but never for access.
            var status = await CallRawAsync(invoker, method);
            Assert.That(status.Code, Is.Not.EqualTo(StatusCode.PermissionDenied), method.FullName);
        }
    }

    [Test]
    public async Task The_admin_socket_serves_changes_and_the_audit_sees_who_made_them()
    {
        List<ApiCallRecord> audit = [];
        await using var server = await HostedApi.StartAsync(r => { lock (audit) { audit.Add(r); } });
        using var admin = RpcChannel.ForUnixSocket(server.AdminSocket);
        using var readOnly = RpcChannel.ForUnixSocket(server.ReadOnlySocket);
        await new DomainService.DomainServiceClient(admin).SuspendDomainAsync(new SuspendDomainRequest { Domain = ApiHarness.Name("test") });
        Assert.ThrowsAsync<RpcException>(async () => await new DomainService.DomainServiceClient(readOnly).ResumeDomainAsync(new ResumeDomainRequest { Domain = ApiHarness.Name("test") }));
        await new DomainService.DomainServiceClient(readOnly).GetDomainStateAsync(new GetDomainStateRequest { Domain = ApiHarness.Name("test") });

        var self = PeerCredentials.Current;
        lock (audit)
        {
            // Reads are not audited; the refused change is.
            Assert.That(audit.Select(a => (a.Method, a.Outcome, a.Connection.IsReadOnly, a.Connection.Peer)), Is.EqualTo(new[]
            {
                ("/virt.v1.DomainService/SuspendDomain", StatusCode.OK, false, (PeerCredentials?)self),
                ("/virt.v1.DomainService/ResumeDomain", StatusCode.PermissionDenied, true, (PeerCredentials?)self),
            }));
        }
    }

    [Test]
    public void In_process_read_only_channels_refuse_changes_too()
    {
        var api = new ApiHarness(readOnly: true);
        var e = Assert.ThrowsAsync<RpcException>(async () => await api.Domains.DefineDomainAsync(new DefineDomainRequest { Xml = ApiHarness.DomainXml("other") }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        Assert.That(e.Status.Detail, Is.EqualTo("operation forbidden: read only access prevents virDomainDefineXML"));
        Assert.That(ApiHarness.ErrorInfoOf(e).Reason, Is.EqualTo("READ_ONLY"));
        Assert.That(api.Events.LatestSequence, Is.Zero);
    }

    [Test]
    public void Domxml_to_native_is_admin_only_and_unsupported_by_the_test_driver_as_in_libvirt()
    {
        var request = new ConvertDomainXmlToNativeRequest { Format = "qemu-argv", Xml = ApiHarness.DomainXml("other") };
        var refused = Assert.ThrowsAsync<RpcException>(async () => await new ApiHarness(readOnly: true).Domains.ConvertDomainXmlToNativeAsync(request));
        Assert.That((refused!.StatusCode, refused.Status.Detail),
            Is.EqualTo((StatusCode.PermissionDenied, "operation forbidden: read only access prevents virConnectDomainXMLToNative")));

        var unsupported = Assert.ThrowsAsync<RpcException>(async () => await new ApiHarness().Domains.ConvertDomainXmlToNativeAsync(request));
        Assert.That((unsupported!.StatusCode, ApiHarness.ErrorInfoOf(unsupported).Reason, unsupported.Status.Detail),
            Is.EqualTo((StatusCode.Unimplemented, "OPERATION_UNSUPPORTED", "this function is not supported by the connection driver: virConnectDomainXMLToNative")));
    }

    [Test]
    public async Task Security_info_needs_the_admin_socket()
    {
        var readOnly = new ApiHarness(readOnly: true);
        var e = Assert.ThrowsAsync<RpcException>(async () => await readOnly.Domains.GetDomainXmlAsync(new GetDomainXmlRequest { Domain = ApiHarness.Name("test"), SecurityInfo = true }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        var info = ApiHarness.ErrorInfoOf(e);
        Assert.That((info.Reason, info.Metadata["field"]), Is.EqualTo(("READ_ONLY", "security_info")));
        // Without it the read-only socket gets the XML, and the admin socket gets it with it.
        Assert.That((await readOnly.Domains.GetDomainXmlAsync(new GetDomainXmlRequest { Domain = ApiHarness.Name("test") })).Xml, Does.Contain("<name>test</name>"));
        var admin = new ApiHarness();
        Assert.That((await admin.Domains.GetDomainXmlAsync(new GetDomainXmlRequest { Domain = ApiHarness.Name("test"), SecurityInfo = true })).Xml, Does.Contain("<name>test</name>"));
    }

    [Test]
    public void Access_levels_are_those_of_the_descriptor()
    {
        var methods = AllMethods().ToDictionary(m => m.FullName);
        Assert.That(VirtApi.AccessOf(methods["virt.v1.DomainService.ListDomains"]), Is.EqualTo(MethodAccess.Read));
        Assert.That(VirtApi.AccessOf(methods["virt.v1.DomainService.DefineDomain"]), Is.EqualTo(MethodAccess.Write));
        Assert.That(VirtApi.AccessOf(methods["virt.v1.DomainService.GetSaveImageXml"]), Is.EqualTo(MethodAccess.Write));
        Assert.That(VirtApi.AccessOf(methods["virt.v1.EventService.Subscribe"]), Is.EqualTo(MethodAccess.Read));
    }

    /// <summary>Calls a method with an empty request through the wire, whatever its shape, and returns its status and ErrorInfo reason.</summary>
    private static async Task<(StatusCode Code, string Reason)> CallRawAsync(CallInvoker invoker, MethodDescriptor method)
    {
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var rpc = new Method<byte[], byte[]>(type, method.Service.FullName, method.Name, _raw, _raw);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30));
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(rpc, null, options, []).ResponseAsync;
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(rpc, null, options, []))
                    {
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
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
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }
                    break;
            }
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            var reason = e.Trailers.Any(t => t.Key == ApiErrors.StatusDetailsTrailer) ? ApiHarness.ErrorInfoOf(e).Reason : "";
            return (e.StatusCode, reason);
        }
    }
}

/// <summary>Virt.Api over a test driver on a real RpcServer: an admin and a read-only Unix socket in a temporary directory.</summary>
internal sealed class HostedApi : IAsyncDisposable
{
    private readonly string _directory;

    private HostedApi(RpcServer server, string directory, EventLog events, TestDriver driver)
    {
        Server = server;
        _directory = directory;
        Events = events;
        Driver = driver;
    }

    public RpcServer Server { get; }

    public EventLog Events { get; }

    public TestDriver Driver { get; }

    public string AdminSocket => Path.Combine(_directory, "virtd.sock");

    public string ReadOnlySocket => Path.Combine(_directory, "virtd-ro.sock");

    public static async Task<HostedApi> StartAsync(Action<ApiCallRecord>? audit = null)
    {
        var directory = Directory.CreateTempSubdirectory("virt-api-").FullName;
        var events = new EventLog();
        var driver = TestDriver.CreateDefault(events);
        var server = new RpcServer();
        server.ListenUnixSocket(Path.Combine(directory, "virtd.sock"));
        server.ListenUnixSocket(Path.Combine(directory, "virtd-ro.sock"), readOnly: true);
        foreach (var service in VirtApi.CreateServices(driver, driver, driver, events, HostInfo.ForTestDriver("t"), new VirtApiOptions { Audit = audit }))
        {
            server.AddService(service.Definition, service.Descriptor);
        }
        await server.StartAsync(CancellationToken.None);
        return new HostedApi(server, directory, events, driver);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
