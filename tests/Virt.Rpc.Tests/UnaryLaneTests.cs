using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.Server;
using Virt.Rpc.Tests.Interop;

namespace Virt.Rpc.Tests;

/// <summary>
/// The unary lane (<see cref="RpcChannelOptions.UnaryLane"/>) against our server on a Unix socket: which calls it
/// carries, which it leaves to the pooled connections, and how it recovers from a slow answer and from a server that
/// went away between calls. The client contract over the lane is in <see cref="TransportTests"/> (UnixLane).
/// </summary>
public sealed class UnaryLaneTests
{
    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);

    [Test]
    public async Task Sequential_unary_calls_share_one_lane_connection()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath, new RpcChannelOptions { UnaryLane = true });
        var client = new Interop.Interop.InteropClient(channel);

        for (var i = 0; i < 20; i++)
        {
            var response = await client.EchoAsync(new EchoRequest { Text = $"call {i}" }, new Metadata { { "x-n", i.ToString() } }, Deadline());
            Assert.That(response.Text, Is.EqualTo($"call {i}"));
            Assert.That(response.SeenMetadata, Does.Contain($"x-n={i}"));
        }

        Assert.That(channel.UnaryLane!.Calls, Is.EqualTo(20));
        Assert.That(channel.UnaryLane.Connections, Is.EqualTo(1));
    }

    [Test]
    public async Task A_request_larger_than_one_frame_goes_the_pooled_way()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath, new RpcChannelOptions { UnaryLane = true });
        var client = new Interop.Interop.InteropClient(channel);
        await client.EchoAsync(new EchoRequest { Text = "small" }, deadline: Deadline());

        var response = await client.EchoAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[40_000]) }, deadline: Deadline());

        Assert.That(response.Payload.Length, Is.EqualTo(40_000));
        Assert.That(channel.UnaryLane!.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task Large_responses_arrive_whole_in_many_frames()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath, new RpcChannelOptions { UnaryLane = true });
        var client = new Interop.Interop.InteropClient(channel);

        for (var i = 0; i < 3; i++)
        {
            var response = await client.SizeAsync(new SizeRequest { ResponseBytes = 3 << 20 }, deadline: Deadline());
            Assert.That(response.Payload.Length, Is.EqualTo(3 << 20));
        }

        Assert.That(channel.UnaryLane!.Calls, Is.EqualTo(3));
    }

    [Test]
    public async Task Concurrent_calls_all_complete_on_the_lane_or_beside_it()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath, new RpcChannelOptions { UnaryLane = true });
        var client = new Interop.Interop.InteropClient(channel);

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(async () => await client.EchoAsync(new EchoRequest { Text = i.ToString() }, deadline: Deadline()))));

        Assert.That(responses.Select(r => r.Text), Is.EqualTo(Enumerable.Range(0, 40).Select(i => i.ToString())));
        Assert.That(channel.UnaryLane!.Calls, Is.GreaterThan(0));
    }

    [Test]
    public async Task An_answer_slower_than_the_blocking_wait_arrives_and_the_next_call_opens_a_fresh_connection()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = RpcChannel.ForUnixSocket(server.SocketPath, new RpcChannelOptions { UnaryLane = true });
        var client = new Interop.Interop.InteropClient(channel);

        await client.SleepAsync(new SleepRequest { Milliseconds = (int)(Http2UnaryConnection.BlockingWait.TotalMilliseconds * 2) }, deadline: Deadline());
        var response = await client.EchoAsync(new EchoRequest { Text = "after" }, deadline: Deadline());

        Assert.That(response.Text, Is.EqualTo("after"));
        Assert.That(channel.UnaryLane!.Calls, Is.EqualTo(2));
        Assert.That(channel.UnaryLane.Connections, Is.EqualTo(2));
    }

    [Test]
    public async Task A_deadline_within_the_blocking_wait_ends_the_call_and_the_lane_recovers()
    {
        // A listener that never answers: the client's deadline is then the only thing that can end the call (a real
        // server would race it with its own DEADLINE_EXCEEDED, which leaves the lane's connection in use).
        var directory = Directory.CreateTempSubdirectory("virt-lane-").FullName;
        var socket = Path.Combine(directory, "rpc.sock");
        try
        {
            using var channel = RpcChannel.ForUnixSocket(socket, new RpcChannelOptions { UnaryLane = true });
            var client = new Interop.Interop.InteropClient(channel);
            RpcException? ex;
            using (var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                silent.Bind(new UnixDomainSocketEndPoint(socket));
                silent.Listen();
                var deadline = DateTime.UtcNow + Http2UnaryConnection.BlockingWait / 4;
                ex = Assert.ThrowsAsync<RpcException>(async () => await client.SleepAsync(new SleepRequest { Milliseconds = 10_000 }, deadline: deadline));
            }
            File.Delete(socket);
            await using var server = await StartServerAsync(socket);

            var response = await client.EchoAsync(new EchoRequest { Text = "after" }, deadline: Deadline());

            Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
            Assert.That(response.Text, Is.EqualTo("after"));
            Assert.That(channel.UnaryLane!.Connections, Is.EqualTo(2));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task A_server_restarted_between_calls_is_reached_again_without_an_error()
    {
        var directory = Directory.CreateTempSubdirectory("virt-lane-").FullName;
        var socket = Path.Combine(directory, "rpc.sock");
        try
        {
            using var channel = RpcChannel.ForUnixSocket(socket, new RpcChannelOptions { UnaryLane = true });
            var client = new Interop.Interop.InteropClient(channel);
            await using (var first = await StartServerAsync(socket))
            {
                Assert.That((await client.EchoAsync(new EchoRequest { Text = "first" }, deadline: Deadline())).Text, Is.EqualTo("first"));
            }
            await using var second = await StartServerAsync(socket);

            var response = await client.EchoAsync(new EchoRequest { Text = "second" }, deadline: Deadline());

            Assert.That(response.Text, Is.EqualTo("second"));
            Assert.That(channel.UnaryLane!.Connections, Is.EqualTo(2));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_server_that_is_not_there_is_unavailable()
    {
        using var channel = RpcChannel.ForUnixSocket("/nonexistent/virt-lane.sock", new RpcChannelOptions { UnaryLane = true });
        var client = new Interop.Interop.InteropClient(channel);

        var ex = Assert.ThrowsAsync<RpcException>(async () => await client.EchoAsync(new EchoRequest(), deadline: Deadline()));

        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
    }

    private static async Task<RpcServer> StartServerAsync(string socket)
    {
        var server = new RpcServer();
        server.ListenUnixSocket(socket);
        server.AddService(Interop.Interop.BindService(new InteropService()), Interop.Interop.Descriptor);
        await server.StartAsync(CancellationToken.None);
        return server;
    }
}
