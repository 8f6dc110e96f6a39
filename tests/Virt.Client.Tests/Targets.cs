using Process = System.Diagnostics.Process;
using ProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using System.Net;
using Virt.Api;
using Virt.Driver;
using Virt.Driver.Test;
using Virt.Rpc.Server;

namespace Virt.Client.Tests;

/// <summary>
/// Where a client test connects: <c>test:///default</c> in-process, a server over the test driver reached through a
/// real socket (an RpcServer hosting Virt.Api in this test process, on an admin and a read-only Unix socket and TCP), or
/// a real virtd process (<c>--driver test</c>) on its admin and read-only sockets. Every target starts from libvirt's
/// fixture.
/// </summary>
public sealed class Target : IAsyncDisposable
{
    private readonly IAsyncDisposable? _server;

    private Target(string name, string uri, string readOnlyUri, IAsyncDisposable? server)
    {
        Name = name;
        Uri = uri;
        ReadOnlyUri = readOnlyUri;
        _server = server;
    }

    public string Name { get; }

    public string Uri { get; }

    /// <summary>The URI to open with readOnly: true (the read-only socket's own path for virt+unix).</summary>
    public string ReadOnlyUri { get; }

    public static IEnumerable<string> Names => ["test:///default", "virt+unix", "virt+tcp", "virtd"];

    public static async Task<Target> StartAsync(string name)
    {
        switch (name)
        {
            case "test:///default":
                return new Target(name, "test:///default", "test:///default", null);
            case "virtd":
            {
                var virtd = await Virt.Testing.VirtdProcess.StartAsync(null, "--driver", "test");
                return new Target(name, "virt+unix://" + virtd.AdminSocket, "virt+unix://" + virtd.ReadOnlySocket, virtd);
            }
            case "virt+unix":
            {
                var server = await HostedServer.StartAsync();
                return new Target(name, "virt+unix://" + server.AdminSocket, "virt+unix://" + server.ReadOnlySocket, server);
            }
            default:
            {
                var server = await HostedServer.StartAsync();
                var uri = $"virt+tcp://127.0.0.1:{server.Server.BoundTcpEndPoints[0].Port}/";
                return new Target(name, uri, uri, server);
            }
        }
    }

    public Task<VirtConnection> OpenAsync(bool readOnly = false) => VirtConnection.OpenAsync(readOnly ? ReadOnlyUri : Uri, readOnly);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Virt.Api over the test driver on a real RpcServer: admin and read-only Unix sockets and a loopback TCP port.</summary>
public sealed class HostedServer : IAsyncDisposable
{
    private HostedServer(RpcServer server, string directory, EventLog events)
    {
        Server = server;
        Directory = directory;
        Events = events;
    }

    public RpcServer Server { get; private set; }

    public string Directory { get; }

    public EventLog Events { get; }

    public string AdminSocket => Path.Combine(Directory, "virtd.sock");

    public string ReadOnlySocket => Path.Combine(Directory, "virtd-ro.sock");

    public static async Task<HostedServer> StartAsync(EventLog? events = null, string? directory = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("virt-client-").FullName;
        events ??= new EventLog();
        var hosted = new HostedServer(null!, directory, events);
        hosted.Server = await hosted.StartServerAsync(TestDriver.CreateDefault(events), port: 0);
        return hosted;
    }

    /// <summary>Stops the server and starts a new one on the same sockets, port and event log (a daemon restart).</summary>
    public async Task RestartAsync(Func<Task>? whileDown = null)
    {
        var port = Server.BoundTcpEndPoints[0].Port;
        await Server.DisposeAsync();
        if (whileDown is not null)
        {
            await whileDown();
        }
        Server = await StartServerAsync(TestDriver.CreateDefault(Events), port);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private async Task<RpcServer> StartServerAsync(TestDriver driver, int port)
    {
        var server = new RpcServer();
        server.ListenUnixSocket(AdminSocket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        server.ListenUnixSocket(ReadOnlySocket, readOnly: true);
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, port));
        foreach (var service in VirtApi.CreateServices(driver, driver, driver, Events, HostInfo.ForTestDriver("test")))
        {
            server.AddService(service.Definition, service.Descriptor);
        }
        await server.StartAsync(CancellationToken.None);
        return server;
    }
}

/// <summary>The real virsh (Debian's libvirt-clients) against libvirt's own test:///default.</summary>
internal static class Virsh
{
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("virsh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("test:///default");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await stdout : throw new InvalidOperationException($"virsh {string.Join(' ', arguments)} failed: {await stderr}");
    }

    /// <summary>The data rows of a virsh table (after the dashes), split on runs of spaces.</summary>
    public static IReadOnlyList<string[]> Rows(string table) =>
        table.Split('\n')
            .SkipWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).Skip(1)
            .Where(l => l.Trim().Length > 0)
            .Select(l => System.Text.RegularExpressions.Regex.Split(l.Trim(), @"\s{2,}"))
            .ToList();

    /// <summary>The "Key: value" lines of dominfo-style output.</summary>
    public static Dictionary<string, string> Fields(string text) =>
        text.Split('\n').Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => (Key: l[..l.IndexOf(':', StringComparison.Ordinal)], Value: l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))
            .ToDictionary(p => p.Key, p => p.Value);
}
