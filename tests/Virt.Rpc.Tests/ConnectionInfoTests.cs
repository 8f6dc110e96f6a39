using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Virt.Rpc.Client;
using Virt.Rpc.InProcess;
using Virt.Rpc.Server;

namespace Virt.Rpc.Tests;

/// <summary>
/// Every call sees the connection it arrived on: the listener, its read-only flag and, for Unix sockets and in-process
/// calls, the peer's pid/uid/gid as the kernel reports them.
/// </summary>
public sealed class ConnectionInfoTests
{
    // A one-method service with a string marshaller, so the test needs no generated code: it answers with what the
    // handler saw.
    private static readonly Marshaller<string> _text = Marshallers.Create(Encoding.UTF8.GetBytes, Encoding.UTF8.GetString);

    private static readonly Method<string, string> _whoAmI = new(MethodType.Unary, "virt.test.Connection", "WhoAmI", _text, _text);

    private static ServerServiceDefinition Service() =>
        ServerServiceDefinition.CreateBuilder()
            .AddMethod(_whoAmI, (UnaryServerMethod<string, string>)((_, context) =>
            {
                var c = context.GetConnectionInfo();
                return Task.FromResult($"{c.ListenerName}|{c.IsReadOnly}|{c.LocalEndPoint}|{c.Peer?.Pid}|{c.Peer?.Uid}|{c.Peer?.Gid}");
            }))
            .Build();

    private static Task<string> AskAsync(ChannelBase channel) =>
        channel.CreateCallInvoker().AsyncUnaryCall(_whoAmI, null, new CallOptions(), "").ResponseAsync;

    [Test]
    public async Task Unix_sockets_report_listener_read_only_flag_and_peer_credentials()
    {
        var directory = Directory.CreateTempSubdirectory("virt-conn-").FullName;
        try
        {
            var admin = Path.Combine(directory, "admin.sock");
            var readOnly = Path.Combine(directory, "ro.sock");
            await using var server = new RpcServer();
            server.ListenUnixSocket(admin);
            server.ListenUnixSocket(readOnly, readOnly: true);
            server.AddService(Service());
            await server.StartAsync(CancellationToken.None);

            var self = PeerCredentials.Current;
            using (var channel = RpcChannel.ForUnixSocket(admin))
            {
                Assert.That(await AskAsync(channel), Is.EqualTo($"unix:{admin}|False|{admin}|{self.Pid}|{self.Uid}|{self.Gid}"));
            }
            using (var channel = RpcChannel.ForUnixSocket(readOnly))
            {
                Assert.That(await AskAsync(channel), Is.EqualTo($"unix:{readOnly}|True|{readOnly}|{self.Pid}|{self.Uid}|{self.Gid}"));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task A_socket_connected_beforehand_is_the_channels_first_connection()
    {
        var directory = Directory.CreateTempSubdirectory("virt-conn-").FullName;
        try
        {
            var path = Path.Combine(directory, "admin.sock");
            await using var server = new RpcServer();
            server.ListenUnixSocket(path);
            server.AddService(Service());
            await server.StartAsync(CancellationToken.None);
            var connected = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await connected.ConnectAsync(new UnixDomainSocketEndPoint(path));
            // With the path gone, only the socket connected beforehand reaches the server.
            File.Delete(path);

            using (var channel = RpcChannel.ForUnixSocket(path, connected: connected))
            {
                Assert.That(await AskAsync(channel), Does.StartWith($"unix:{path}|False|"));
            }
            using (var channel = RpcChannel.ForUnixSocket(path))
            {
                Assert.That(async () => await AskAsync(channel), Throws.TypeOf<RpcException>().With.Property(nameof(RpcException.StatusCode)).EqualTo(StatusCode.Unavailable));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Peer_credentials_are_those_of_the_connecting_process()
    {
        // A different process (python3) connects: the pid must be its own, not ours.
        var directory = Directory.CreateTempSubdirectory("virt-conn-").FullName;
        try
        {
            var socket = Path.Combine(directory, "admin.sock");
            string? seen = null;
            var service = ServerServiceDefinition.CreateBuilder()
                .AddMethod(_whoAmI, (UnaryServerMethod<string, string>)((_, context) =>
                {
                    seen = context.GetConnectionInfo().Peer?.ToString();
                    return Task.FromResult("");
                }))
                .Build();
            await using var server = new RpcServer();
            server.ListenUnixSocket(socket);
            server.AddService(service);
            await server.StartAsync(CancellationToken.None);

            // python3's grpcio makes the call, then prints its own pid.
            var script = $$"""
                import grpc, os
                ch = grpc.insecure_channel("unix://{{socket}}")
                f = ch.unary_unary("/virt.test.Connection/WhoAmI", request_serializer=lambda s: s, response_deserializer=lambda b: b)
                f(b"", timeout=20)
                print(os.getpid())
                """;
            var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var python = System.Diagnostics.Process.Start(psi)!;
            var stdout = await python.StandardOutput.ReadToEndAsync();
            var stderr = await python.StandardError.ReadToEndAsync();
            await python.WaitForExitAsync();
            Assert.That(python.ExitCode, Is.Zero, stderr);
            var self = PeerCredentials.Current;
            Assert.That(seen, Is.EqualTo($"pid={stdout.Trim()} uid={self.Uid} gid={self.Gid}"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Tcp_listeners_report_their_flag_and_no_peer_credentials()
    {
        await using var server = new RpcServer();
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), readOnly: true);
        server.AddService(Service());
        await server.StartAsync(CancellationToken.None);
        var port = server.BoundTcpEndPoints[0].Port;
        using var channel = RpcChannel.ForAddress(new Uri($"http://127.0.0.1:{port}"));
        Assert.That(await AskAsync(channel), Is.EqualTo($"tcp:127.0.0.1:0|True|127.0.0.1:{port}|||"));
    }

    [Test]
    public async Task In_process_calls_carry_this_process_and_the_channel_flag()
    {
        var self = PeerCredentials.Current;
        Assert.That(await AskAsync(new InProcessChannel([Service()])), Is.EqualTo($"in-process|False|in-process|{self.Pid}|{self.Uid}|{self.Gid}"));
        Assert.That(await AskAsync(new InProcessChannel([Service()], readOnly: true)), Is.EqualTo($"in-process|True|in-process|{self.Pid}|{self.Uid}|{self.Gid}"));
    }

    [Test]
    public void Current_credentials_match_the_kernel()
    {
        var status = File.ReadAllLines("/proc/self/status");
        var uid = status.Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
        var gid = status.Single(l => l.StartsWith("Gid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
        Assert.That(PeerCredentials.Current.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(uid));
        Assert.That(PeerCredentials.Current.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(gid));
        Assert.That(PeerCredentials.Current.Pid, Is.EqualTo(Environment.ProcessId));
    }

    [Test]
    public async Task A_connection_bound_call_goes_on_a_connection_that_lives_as_long_as_the_channel()
    {
        // Each call names how long it takes (ms) and is answered with the number of its connection's close token.
        var closes = new List<CancellationToken>();
        var hold = new Method<string, string>(MethodType.Unary, "virt.test.Connection", "Hold", _text, _text);
        var service = ServerServiceDefinition.CreateBuilder()
            .AddMethod(hold, (UnaryServerMethod<string, string>)(async (milliseconds, context) =>
            {
                int index;
                lock (closes)
                {
                    closes.Add(context.GetConnectionInfo().Closed);
                    index = closes.Count - 1;
                }
                await Task.Delay(int.Parse(milliseconds, System.Globalization.CultureInfo.InvariantCulture), context.CancellationToken);
                return index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }))
            .Build();
        var directory = Directory.CreateTempSubdirectory("virt-conn-").FullName;
        try
        {
            var path = Path.Combine(directory, "admin.sock");
            await using var server = new RpcServer();
            server.ListenUnixSocket(path);
            server.AddService(service);
            await server.StartAsync(CancellationToken.None);
            var slow = ((int)(Http2UnaryConnection.BlockingWait.TotalMilliseconds * 1.5)).ToString(System.Globalization.CultureInfo.InvariantCulture);

            var channel = RpcChannel.ForUnixSocket(path, new RpcChannelOptions { UnaryLane = true });
            var bound = int.Parse(await channel.CreateConnectionBoundCallInvoker().AsyncUnaryCall(hold, null, new CallOptions(), slow), System.Globalization.CultureInfo.InvariantCulture);
            // The lane's call outlasts its blocking wait, which closes the lane's connection and makes the next call open another.
            var lane = int.Parse(await channel.CreateCallInvoker().AsyncUnaryCall(hold, null, new CallOptions(), slow), System.Globalization.CultureInfo.InvariantCulture);
            await channel.CreateCallInvoker().AsyncUnaryCall(hold, null, new CallOptions(), "0");

            Assert.That(channel.UnaryLane!.Connections, Is.EqualTo(2), "the lane replaced its connection");
            Assert.That(await ClosedWithinAsync(TimeSpan.FromSeconds(10), closes[lane]), Is.True, "the lane's first connection closed");
            Assert.That(await ClosedWithinAsync(TimeSpan.FromMilliseconds(500), closes[bound]), Is.False, "the bound call's connection is still open");
            channel.Dispose();
            Assert.That(await ClosedWithinAsync(TimeSpan.FromSeconds(10), closes[bound]), Is.True, "and closes with the channel");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static async Task<bool> ClosedWithinAsync(TimeSpan wait, CancellationToken closed)
    {
        try
        {
            await Task.Delay(wait, closed);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    [Test]
    public void A_context_without_connection_info_counts_as_read_only()
    {
        Assert.That(ConnectionInfo.Unknown.IsReadOnly, Is.True);
    }
}
