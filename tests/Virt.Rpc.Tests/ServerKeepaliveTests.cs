using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.Server;

namespace Virt.Rpc.Tests;

/// <summary>
/// <see cref="RpcServerOptions.KeepAlivePingDelay"/>: the server pings a client that has been silent, keeps the
/// connection of one that answers, and closes the connection of one that does not (a peer gone without a FIN).
/// </summary>
public sealed class ServerKeepaliveTests
{
    private const byte PingFrameType = 6;

    private static readonly Marshaller<string> _text = Marshallers.Create(Encoding.UTF8.GetBytes, Encoding.UTF8.GetString);

    private static readonly Method<string, string> _note = new(MethodType.Unary, "virt.test.Keepalive", "Note", _text, _text);

    private static readonly RpcServerOptions _pingingEverySecond = new() { KeepAlivePingDelay = TimeSpan.FromSeconds(1), KeepAlivePingTimeout = TimeSpan.FromSeconds(1) };

    [Test]
    public async Task A_client_that_does_not_answer_pings_is_cut_off()
    {
        await using var server = await StartAsync(_pingingEverySecond, []);

        var (frames, closed) = await ConnectSilentlyAsync(server, TimeSpan.FromSeconds(15));

        Assert.That(closed, Is.True, "closed within 15 s");
        Assert.That(frames.Select(f => f.Type), Does.Contain(PingFrameType), "pinged before it was closed");
    }

    [Test]
    public async Task Without_keepalive_a_silent_client_is_neither_pinged_nor_cut_off()
    {
        await using var server = await StartAsync(new RpcServerOptions(), []);

        var (frames, closed) = await ConnectSilentlyAsync(server, TimeSpan.FromSeconds(4));

        Assert.That(closed, Is.False);
        Assert.That(frames.Select(f => f.Type), Does.Not.Contain(PingFrameType));
    }

    [Test]
    public async Task A_client_that_answers_pings_keeps_its_idle_connection()
    {
        var closes = new List<CancellationToken>();
        await using var server = await StartAsync(_pingingEverySecond, closes);
        using var channel = RpcChannel.ForAddress(new Uri($"http://127.0.0.1:{server.BoundTcpEndPoints[0].Port}"));

        await CallAsync(channel);

        Assert.That(await ConnectionInfoTests.ClosedWithinAsync(TimeSpan.FromSeconds(4), closes[0]), Is.False, "still open after 4 s of pings");
        await CallAsync(channel);
        Assert.That(closes, Has.Count.EqualTo(2));
        Assert.That(closes[1], Is.EqualTo(closes[0]), "both calls on one connection");
    }

    private static Task<string> CallAsync(RpcChannel channel) =>
        channel.CreateCallInvoker().AsyncUnaryCall(_note, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), "").ResponseAsync;

    /// <summary>A server on a loopback port whose one method records the close token of each call's connection.</summary>
    private static async Task<RpcServer> StartAsync(RpcServerOptions options, List<CancellationToken> closes)
    {
        var server = new RpcServer(options);
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        server.AddService(ServerServiceDefinition.CreateBuilder()
            .AddMethod(_note, (UnaryServerMethod<string, string>)((_, context) =>
            {
                lock (closes)
                {
                    closes.Add(context.GetConnectionInfo().Closed);
                }
                return Task.FromResult("");
            }))
            .Build());
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    /// <summary>
    /// Opens an HTTP/2 connection and then says nothing more (no SETTINGS ACK, no PING ACK), as a peer whose process is
    /// frozen or whose host is gone; returns the frames the server sent within <paramref name="wait"/> and whether it closed.
    /// </summary>
    private static async Task<(List<(byte Type, byte[] Payload)> Frames, bool Closed)> ConnectSilentlyAsync(RpcServer server, TimeSpan wait)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.BoundTcpEndPoints[0]);
        await socket.SendAsync((byte[])[.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0], SocketFlags.None);
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var budget = new CancellationTokenSource(wait);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, budget.Token) is var read and > 0)
            {
                received.AddRange(buffer.AsSpan(0, read));
            }
            return (BadInputTests.ParseFrames([.. received]), true);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (BadInputTests.ParseFrames([.. received]), true);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            return (BadInputTests.ParseFrames([.. received]), false);
        }
    }
}
