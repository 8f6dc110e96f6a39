using Grpc.Core;
using Grpc.Health.V1;
using Virt.Rpc.Client;
using Virt.Rpc.Server;
using Virt.Rpc.Tests.Interop;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Virt.Rpc.Tests;

/// <summary>Health, reflection, and shutting down while calls and streams are open.</summary>
public sealed class LifecycleTests
{
    [Test]
    public async Task Health_reports_each_service_and_not_found_for_unknown_ones()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath);
        var health = new Health.HealthClient(channel);

        var overall = await health.CheckAsync(new HealthCheckRequest { Service = "" });
        var interop = await health.CheckAsync(new HealthCheckRequest { Service = "virt.test.v1.Interop" });
        var unknown = Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }));

        Assert.That(overall.Status, Is.EqualTo(ServingStatus.Serving));
        Assert.That(interop.Status, Is.EqualTo(ServingStatus.Serving));
        Assert.That(unknown!.StatusCode, Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public async Task Health_watch_streams_changes()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath);
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "virt.test.v1.Interop" });

        Assert.That(await watch.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        Assert.That(watch.ResponseStream.Current.Status, Is.EqualTo(ServingStatus.Serving));
        server.Server.Health.SetStatus("virt.test.v1.Interop", ServingStatus.NotServing);
        Assert.That(await watch.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        Assert.That(watch.ResponseStream.Current.Status, Is.EqualTo(ServingStatus.NotServing));
    }

    [Test]
    public async Task Reflection_lists_services_and_returns_the_defining_file_with_dependencies()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath);
        using var call = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { FileContainingSymbol = "virt.test.v1.Interop.Echo" });
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { FileContainingSymbol = "no.such.Symbol" });
        await call.RequestStream.CompleteAsync();
        var responses = new List<Grpc.Reflection.V1.ServerReflectionResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            responses.Add(response);
        }

        Assert.That(responses, Has.Count.EqualTo(3));
        Assert.That(responses[0].ListServicesResponse.Service.Select(s => s.Name),
            Is.SupersetOf(new[] { "virt.test.v1.Interop", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection" }));
        var file = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(responses[1].FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.That(file.Name, Does.EndWith("interop.proto"));
        Assert.That(file.Service.Single().Method.Select(m => m.Name), Does.Contain("Echo"));
        Assert.That(responses[2].ErrorResponse.ErrorCode, Is.EqualTo((int)StatusCode.NotFound));
    }

    [Test]
    public async Task Stopping_with_open_streams_ends_them_with_unavailable_and_does_not_hang()
    {
        var server = await TestServer.StartAsync(new RpcServerOptions { ShutdownTimeout = TimeSpan.FromSeconds(10) });
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath);
        var client = new Interop.Interop.InteropClient(channel);
        using var stream = client.Count(new CountRequest { Count = 1_000_000, IntervalMs = 50 });
        using var duplex = client.Chat();
        var sleep = client.SleepAsync(new SleepRequest { Milliseconds = 60_000 });
        Assert.That(await stream.ResponseStream.MoveNext(CancellationToken.None), Is.True);
        await duplex.RequestStream.WriteAsync(new EchoRequest { Text = "x" });
        Assert.That(await duplex.ResponseStream.MoveNext(CancellationToken.None), Is.True);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        stopwatch.Stop();

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "shutdown waited for the open calls instead of ending them");
        var streamError = Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await stream.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        var sleepError = Assert.ThrowsAsync<RpcException>(async () => await sleep);
        Assert.That(streamError!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(sleepError!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
    }

    [Test]
    public async Task A_live_socket_is_not_stolen_but_a_stale_one_is_replaced()
    {
        await using var first = await TestServer.StartAsync();
        var second = new RpcServer();
        second.ListenUnixSocket(first.SocketPath);

        Assert.ThrowsAsync<IOException>(async () => await second.StartAsync(CancellationToken.None));

        var stale = Path.Combine(Path.GetDirectoryName(first.SocketPath)!, "stale.sock");
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(stale));
        }
        await using var third = new RpcServer();
        third.ListenUnixSocket(stale, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await third.StartAsync(CancellationToken.None);

        Assert.That(File.GetUnixFileMode(stale), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        using var channel = RpcChannel.ForUnixSocket(stale);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.That(health.Status, Is.EqualTo(ServingStatus.Serving));
    }
}
