using System.Net;
using Virt.Rpc.Server;

namespace Virt.Rpc.Tests;

/// <summary>An <see cref="RpcServer"/> serving <see cref="InteropService"/> on a temporary Unix socket and a loopback port.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly string _directory;

    private TestServer(RpcServer server, InteropService service, string directory, string socketPath)
    {
        Server = server;
        Service = service;
        _directory = directory;
        SocketPath = socketPath;
    }

    public RpcServer Server { get; }

    public InteropService Service { get; }

    public string SocketPath { get; }

    public Uri TcpAddress => new($"http://127.0.0.1:{Server.BoundTcpEndPoints[0].Port}");

    public static async Task<TestServer> StartAsync(RpcServerOptions? options = null)
    {
        var directory = Directory.CreateTempSubdirectory("virt-rpc-").FullName;
        var socketPath = Path.Combine(directory, "rpc.sock");
        var service = new InteropService();
        var server = new RpcServer(options);
        server.ListenUnixSocket(socketPath);
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        server.AddService(Interop.Interop.BindService(service), Interop.Interop.Descriptor);
        server.AddService(DataSinkService.Definition());
        await server.StartAsync(CancellationToken.None);
        return new TestServer(server, service, directory, socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
