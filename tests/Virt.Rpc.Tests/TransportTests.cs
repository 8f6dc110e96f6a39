using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.InProcess;
using Virt.Rpc.Server;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// Our client against our server, over a Unix socket and TCP, and the same service in-process: every call shape and
/// failure path behaves the same on all three.
/// </summary>
[TestFixture(Transport.Unix)]
[TestFixture(Transport.Tcp)]
[TestFixture(Transport.InProcess)]
public sealed class TransportTests(Transport transport)
{
    private TestServer _server = null!;
    private ChannelBase _channel = null!;
    private Interop.Interop.InteropClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await TestServer.StartAsync(new RpcServerOptions { MaxReceiveMessageSize = 64 * 1024 });
        _channel = transport switch
        {
            Transport.Unix => RpcChannel.ForUnixSocket(_server.SocketPath),
            Transport.Tcp => RpcChannel.ForAddress(_server.TcpAddress),
            _ => new InProcessChannel([Interop.Interop.BindService(_server.Service)]),
        };
        _client = new Interop.Interop.InteropClient(_channel);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        (_channel as IDisposable)?.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Unary_call_returns_the_response_and_sees_request_metadata()
    {
        var headers = new Metadata { { "x-user", "alice" }, { "x-token-bin", new byte[] { 0, 1, 2, 255 } } };
        var response = await _client.EchoAsync(new EchoRequest { Text = "héllo", Payload = ByteString.CopyFromUtf8("p") }, headers);

        Assert.That(response.Text, Is.EqualTo("héllo"));
        Assert.That(response.Payload.ToStringUtf8(), Is.EqualTo("p"));
        Assert.That(response.SeenMetadata, Does.Contain("x-user=alice").And.Contain("x-token-bin=<4 bytes>"));
    }

    [Test]
    public void Error_status_carries_code_percent_encoded_message_and_trailers()
    {
        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await _client.FailAsync(new FailRequest { Code = (int)StatusCode.NotFound, Message = "domain 'vm1' not found: 100% ünïcødé\nline2", TrailerValue = "why" }));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(ex.Status.Detail, Is.EqualTo("domain 'vm1' not found: 100% ünïcødé\nline2"));
        Assert.That(ex.Trailers.GetValue("x-detail"), Is.EqualTo("why"));
        Assert.That(ex.Trailers.GetValueBytes("x-detail-bin"), Is.EqualTo(Encoding.UTF8.GetBytes("why")));
    }

    [Test]
    public async Task Server_streaming_delivers_every_message_in_order()
    {
        using var call = _client.Count(new CountRequest { Count = 50 });
        var values = new List<int>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            values.Add(message.Value);
        }

        Assert.That(values, Is.EqualTo(Enumerable.Range(0, 50)));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }

    [Test]
    public async Task Server_streaming_error_after_messages_surfaces_on_the_reader()
    {
        using var call = _client.Count(new CountRequest { Count = 10, FailAfter = 3, FailCode = (int)StatusCode.Aborted });
        var values = new List<int>();
        var ex = Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                values.Add(message.Value);
            }
        });

        Assert.That(values, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Aborted));
        Assert.That(ex.Status.Detail, Is.EqualTo("failed after 3 messages"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task Client_streaming_sums_every_request()
    {
        using var call = _client.Sum();
        for (var i = 1; i <= 100; i++)
        {
            await call.RequestStream.WriteAsync(new SumRequest { Value = i });
        }
        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.That(response.Total, Is.EqualTo(5050));
        Assert.That(response.Messages, Is.EqualTo(100));
    }

    [Test]
    public async Task Duplex_streaming_interleaves_requests_and_responses()
    {
        using var call = _client.Chat();
        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"m{i}" });
            Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.True);
            Assert.That(call.ResponseStream.Current.Text, Is.EqualTo($"m{i}"));
        }
        await call.RequestStream.CompleteAsync();

        Assert.That(await call.ResponseStream.MoveNext(CancellationToken.None), Is.False);
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }

    [Test]
    public async Task Deadline_exceeded_fails_the_call_and_cancels_the_handler()
    {
        var ex = Assert.ThrowsAsync<RpcException>(async () =>
            await _client.SleepAsync(new SleepRequest { Milliseconds = 10_000 }, deadline: DateTime.UtcNow.AddMilliseconds(200)));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        await WaitUntilAsync(() => _server.Service.ActiveSleeps == 0);
    }

    [Test]
    public async Task Client_cancellation_cancels_the_server_handler()
    {
        using var cts = new CancellationTokenSource();
        var call = _client.SleepAsync(new SleepRequest { Milliseconds = 10_000 }, cancellationToken: cts.Token);
        await WaitUntilAsync(() => _server.Service.ActiveSleeps > 0);
        await cts.CancelAsync();

        var ex = Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Cancelled));
        await WaitUntilAsync(() => _server.Service.ActiveSleeps == 0);
    }

    [Test]
    public async Task Oversized_request_is_refused_with_resource_exhausted_except_in_process()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[100 * 1024]) };
        if (transport == Transport.InProcess)
        {
            // Size limits protect a server from its network peers; in-process calls have none.
            Assert.That((await _client.EchoAsync(request)).Payload.Length, Is.EqualTo(100 * 1024));
            return;
        }

        var ex = Assert.ThrowsAsync<RpcException>(async () => await _client.EchoAsync(request));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public async Task Oversized_response_is_refused_by_the_client_limit_except_in_process()
    {
        if (transport == Transport.InProcess)
        {
            Assert.That((await _client.SizeAsync(new SizeRequest { ResponseBytes = 5000 })).Payload.Length, Is.EqualTo(5000));
            return;
        }
        using var small = transport == Transport.Unix
            ? RpcChannel.ForUnixSocket(_server.SocketPath, new RpcChannelOptions { MaxReceiveMessageSize = 1000 })
            : RpcChannel.ForAddress(_server.TcpAddress, new RpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var client = new Interop.Interop.InteropClient(small);

        var ex = Assert.ThrowsAsync<RpcException>(async () => await client.SizeAsync(new SizeRequest { ResponseBytes = 5000 }));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public async Task Unknown_method_is_unimplemented()
    {
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "virt.test.v1.Interop", "NoSuchMethod",
            Marshallers.Create<EchoRequest>(m => m.ToByteArray(), EchoRequest.Parser.ParseFrom),
            Marshallers.Create<EchoResponse>(m => m.ToByteArray(), EchoResponse.Parser.ParseFrom));
        var invoker = _channel.CreateCallInvoker();

        var ex = Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(method, null, default, new EchoRequest()));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
        Assert.That(ex.Status.Detail, Does.Contain("NoSuchMethod"));
        await Task.CompletedTask;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "condition not reached within 5 s");
            await Task.Delay(10);
        }
    }
}

public enum Transport
{
    Unix,
    Tcp,
    InProcess,
}
