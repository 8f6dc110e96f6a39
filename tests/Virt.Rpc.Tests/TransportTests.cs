using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.InProcess;
using Virt.Rpc.Server;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// Our client against our server, over a Unix socket (with and without the unary lane, RpcChannelOptions.UnaryLane) and
/// TCP, and the same service in-process: the client contract
/// (<see cref="ClientContractTests"/>) plus the failure paths only our server can show (handler cancellation, limits).
/// </summary>
[TestFixture(Transport.Unix)]
[TestFixture(Transport.UnixLane)]
[TestFixture(Transport.Tcp)]
[TestFixture(Transport.InProcess)]
public sealed class TransportTests(Transport transport) : ClientContractTests
{
    private TestServer _server = null!;
    private ChannelBase _channel = null!;
    private Interop.Interop.InteropClient _client = null!;

    protected override Interop.Interop.InteropClient Client => _client;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await TestServer.StartAsync(new RpcServerOptions { MaxReceiveMessageSize = 64 * 1024 });
        _channel = transport switch
        {
            Transport.Unix => RpcChannel.ForUnixSocket(_server.SocketPath),
            Transport.UnixLane => RpcChannel.ForUnixSocket(_server.SocketPath, new RpcChannelOptions { UnaryLane = true }),
            Transport.Tcp => RpcChannel.ForAddress(_server.TcpAddress),
            _ => new InProcessChannel([Interop.Interop.BindService(_server.Service), DataSinkService.Definition()]),
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
        using var small = transport is Transport.Unix or Transport.UnixLane
            ? RpcChannel.ForUnixSocket(_server.SocketPath, new RpcChannelOptions { MaxReceiveMessageSize = 1000, UnaryLane = transport == Transport.UnixLane })
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

    [Test]
    public async Task A_server_reads_data_messages_from_its_receive_buffers_into_a_file_in_order()
    {
        // Every message within the server's 64 KiB limit, most spanning several HTTP/2 DATA frames.
        EchoRequest[] sent =
        [
            new() { Text = "header" },
            .. Enumerable.Range(0, 60).Select(i => DataFrameReaderTests.Data(i, 40_000 + 371 * i)),
            new() { Text = "middle" },
            DataFrameReaderTests.Data(99, 3),
            new() { Text = "last" },
        ];
        using var call = _channel.CreateCallInvoker().AsyncClientStreamingCall(DataSinkService.Sink, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)));
        foreach (var message in sent)
        {
            await call.RequestStream.WriteAsync(message);
        }
        await call.RequestStream.CompleteAsync();

        var response = await call.ResponseAsync;

        Assert.That(response.SeenMetadata, Is.EqualTo(DataFrameReaderTests.Expected(sent)));
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

    /// <summary>A Unix socket, unary calls on the channel's own lane (<see cref="RpcChannelOptions.UnaryLane"/>).</summary>
    UnixLane,
    Tcp,
    InProcess,
}
