using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Virt.Rpc.Server.Health;
using Virt.Rpc.Server.Internal;
using Virt.Rpc.Server.Reflection;
using Virt.Rpc.Wire;

namespace Virt.Rpc.Server;

/// <summary>
/// A gRPC server on Kestrel, HTTP/2 only (cleartext prior knowledge), on Unix sockets and TCP. It always serves
/// grpc.health.v1 and, unless disabled, grpc.reflection for the services added with a descriptor.
/// </summary>
public sealed class RpcServer : IAsyncDisposable
{
    /// <summary>The HTTP/2 flow-control window of each request stream: room for several 1 MiB messages in flight.</summary>
    public const int StreamWindowBytes = 8 << 20;

    // Below this much allocation since the last trim, a quiet spell leaves the heap alone (see IdleHeapTrimmer).
    private const long MinimumAllocationBeforeHeapTrim = 8 << 20;

    private readonly RpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly MethodRegistry _registry;
    private readonly List<Google.Protobuf.Reflection.FileDescriptor> _reflectedFiles = [];
    private readonly List<(string Path, UnixFileMode? Mode, bool ReadOnly)> _unixSockets = [];
    private readonly List<(IPEndPoint EndPoint, bool ReadOnly)> _tcpEndPoints = [];
    private readonly LargeBlockMemoryPoolFactory _memoryPools = new();
    private readonly IdleHeapTrimmer? _heapTrimmer;
    private FrozenDictionary<string, CallHandler> _handlers = FrozenDictionary<string, CallHandler>.Empty;
    private FrozenSet<string> _serviceNames = FrozenSet<string>.Empty;
    private WebApplication? _app;

    /// <summary>Creates a server; add listeners and services, then start it.</summary>
    public RpcServer(RpcServerOptions? options = null)
    {
        _options = options ?? new RpcServerOptions();
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Virt.Rpc.Server");
        _registry = new MethodRegistry(new CallRuntime(_options, _logger, _stopping.Token));
        Health = new HealthService();
        if (_options.TrimHeapWhenIdleFor is { } quiet)
        {
            _heapTrimmer = new IdleHeapTrimmer(quiet, MinimumAllocationBeforeHeapTrim, _memoryPools.ReleaseSpareBlocks, _logger);
        }
    }

    /// <summary>The health service; set per-service status here.</summary>
    public HealthService Health { get; }

    /// <summary>The TCP addresses actually bound (useful with port 0), available after start.</summary>
    public IReadOnlyList<IPEndPoint> BoundTcpEndPoints { get; private set; } = [];

    /// <summary>Listens on a Unix socket. A stale socket file is replaced; a live one is an error.</summary>
    /// <param name="path">The socket path.</param>
    /// <param name="mode">Permissions to set on the socket file, e.g. owner-only for an admin socket.</param>
    /// <param name="readOnly">
    /// Marks calls on this socket read-only in their <see cref="ConnectionInfo"/>; services refuse changes there.
    /// </param>
    public void ListenUnixSocket(string path, UnixFileMode? mode = null, bool readOnly = false)
    {
        ThrowIfStarted();
        _unixSockets.Add((path, mode, readOnly));
    }

    /// <summary>Listens on a TCP endpoint (port 0 picks a free port; see <see cref="BoundTcpEndPoints"/>).</summary>
    /// <param name="endPoint">The address and port.</param>
    /// <param name="readOnly">Marks calls on this listener read-only in their <see cref="ConnectionInfo"/>.</param>
    public void ListenTcp(IPEndPoint endPoint, bool readOnly = false)
    {
        ThrowIfStarted();
        _tcpEndPoints.Add((endPoint, readOnly));
    }

    /// <summary>Adds a service; with its descriptor, reflection describes it too.</summary>
    public void AddService(ServerServiceDefinition service, Google.Protobuf.Reflection.ServiceDescriptor? descriptor = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ThrowIfStarted();
        service.BindService(_registry);
        if (descriptor is not null)
        {
            _reflectedFiles.Add(descriptor.File);
        }
    }

    /// <summary>Binds the listeners and starts serving.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ThrowIfStarted();
        AddService(Grpc.Health.V1.Health.BindService(Health), Grpc.Health.V1.Health.Descriptor);
        if (_options.EnableReflection)
        {
            // Reflection describes itself too, so its own files go into the index before the index is built.
            _reflectedFiles.Add(Grpc.Reflection.V1.ServerReflection.Descriptor.File);
            _reflectedFiles.Add(Grpc.Reflection.V1Alpha.ServerReflection.Descriptor.File);
            var index = new ReflectionIndex(_reflectedFiles);
            Grpc.Reflection.V1.ServerReflection.BindService(new ReflectionServiceV1(index)).BindService(_registry);
            Grpc.Reflection.V1Alpha.ServerReflection.BindService(new ReflectionServiceV1Alpha(index)).BindService(_registry);
        }
        _handlers = _registry.Freeze();
        _serviceNames = _registry.ServiceNames.ToFrozenSet(StringComparer.Ordinal);

        foreach (var (path, _, _) in _unixSockets)
        {
            await RemoveStaleSocketAsync(path, cancellationToken).ConfigureAwait(false);
        }

        // The empty builder and Kestrel's core: no configuration files, logging providers or HTTPS. HTTPS support
        // alone loads OpenSSL (libcrypto, 3.5 MiB resident) at start-up to look for a default certificate.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        if (_options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        // The owner of this server decides when it stops; the host must not hook SIGTERM/Ctrl-C itself.
        builder.Services.AddSingleton<IHostLifetime, ExternallyControlledLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = _options.ShutdownTimeout);
        // Kestrel's default pool hands the socket 4 KiB blocks, and by default it first waits for data with a
        // zero-byte read: a 1 GiB volume upload took about 260,000 recvmsg calls and 175,000 futex wake-ups. With
        // 64 KiB blocks read straight away it took about 10,600 and 13,000 (tools/bench/README.md, storage). An idle
        // connection then holds one 64 KiB block, which a daemon with a handful of clients can afford.
        builder.WebHost.UseSockets(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(_memoryPools);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            // A connection is the client's session, as libvirtd's are: it may hold state that ends when it closes (start
            // --autodestroy), so the server does not close one for being idle (Kestrel's default: after 130 s). A client
            // that wants dead peers found asks for keepalive pings (vsh -k), and so may the server (KeepAlivePingDelay).
            // A year, not InfiniteTimeSpan: Kestrel turns that into TimeSpan.MaxValue, whose deadline overflows, and
            // closed every idle connection within a second.
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromDays(365);
            if (_options.KeepAlivePingDelay is { } pingDelay)
            {
                kestrel.Limits.Http2.KeepAlivePingDelay = pingDelay;
                kestrel.Limits.Http2.KeepAlivePingTimeout = _options.KeepAlivePingTimeout;
            }
            // Kestrel's default windows (768 KiB per stream, 1 MiB per connection) are smaller than one 1 MiB message
            // of a volume upload: the client stalled for a WINDOW_UPDATE in the middle of every message. A window
            // only reserves memory when a client actually sends that much ahead of the handler.
            kestrel.Limits.Http2.InitialStreamWindowSize = StreamWindowBytes;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 2 * StreamWindowBytes;
            foreach (var (path, _, readOnly) in _unixSockets)
            {
                // HTTP/2 only: with Http1AndHttp2, Kestrel cannot take cleartext prior-knowledge connections.
                kestrel.ListenUnixSocket(path, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.Use(next => connection =>
                    {
                        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
                        {
                            UnixSocketBuffers.Enlarge(socket);
                        }
                        return next(connection);
                    });
                    ConnectionIdentity.Attach(listen, "unix:" + path, readOnly, _logger);
                });
            }
            foreach (var (endPoint, readOnly) in _tcpEndPoints)
            {
                kestrel.Listen(endPoint, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    ConnectionIdentity.Attach(listen, "tcp:" + endPoint, readOnly, _logger);
                });
            }
        });
        var app = builder.Build();
        app.Run(DispatchAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;

        foreach (var (path, mode, _) in _unixSockets)
        {
            if (mode is { } m)
            {
                File.SetUnixFileMode(path, m);
            }
            ServerLog.ListeningUnix(_logger, path);
        }
        BoundTcpEndPoints = ReadBoundTcpEndPoints(app);
        foreach (var endPoint in BoundTcpEndPoints)
        {
            ServerLog.ListeningTcp(_logger, endPoint);
        }
        foreach (var name in _serviceNames)
        {
            Health.SetStatus(name, Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        }
        Health.SetStatus("", Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
    }

    /// <summary>
    /// Stops serving: health turns NOT_SERVING, open calls are cancelled and end with UNAVAILABLE, and connections
    /// close once calls have ended or <see cref="RpcServerOptions.ShutdownTimeout"/> passes.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null)
        {
            return;
        }
        Health.SetAllNotServing();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (path, _, _) in _unixSockets)
        {
            File.Delete(path);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
        _stopping.Dispose();
        _heapTrimmer?.Dispose();
    }

    private Task DispatchAsync(HttpContext http)
    {
        _heapTrimmer?.NoteCall();
        var request = http.Request;
        var path = request.Path.Value ?? "";
        if (!HttpMethods.IsPost(request.Method))
        {
            ServerLog.Rejected(_logger, path, "method " + request.Method);
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return Task.CompletedTask;
        }
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            ServerLog.Rejected(_logger, path, "content-type " + request.ContentType);
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            http.Response.Headers[GrpcProtocol.StatusTrailer] = ((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Response.Headers[GrpcProtocol.MessageTrailer] = GrpcMessageEncoding.Encode($"Content-Type '{request.ContentType}' is not supported; gRPC requests use application/grpc.");
            return Task.CompletedTask;
        }
        if (!_handlers.TryGetValue(path, out var handler))
        {
            ServerLog.Rejected(_logger, path, "unknown method");
            HttpServerCallContext.WriteTrailersOnly(http, new Status(StatusCode.Unimplemented, UnknownMethodMessage(path)));
            return Task.CompletedTask;
        }
        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && encoding != GrpcProtocol.IdentityEncoding)
        {
            http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;
            HttpServerCallContext.WriteTrailersOnly(http, new Status(StatusCode.Unimplemented, $"Message encoding '{encoding}' is not supported; this server accepts identity only."));
            return Task.CompletedTask;
        }
        TimeSpan? timeout = null;
        var rawTimeout = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (rawTimeout.Length > 0)
        {
            if (!GrpcTimeout.TryParse(rawTimeout, out var parsed))
            {
                HttpServerCallContext.WriteTrailersOnly(http, new Status(StatusCode.Internal, $"Malformed grpc-timeout header '{rawTimeout}'."));
                return Task.CompletedTask;
            }
            timeout = parsed;
        }
        return handler.HandleAsync(http, timeout);
    }

    private string UnknownMethodMessage(string path)
    {
        var slash = path.LastIndexOf('/');
        var service = slash > 0 ? path[1..slash] : path.TrimStart('/');
        return _serviceNames.Contains(service)
            ? $"Method '{path[(slash + 1)..]}' is not implemented by service '{service}'."
            : $"Service '{service}' is not served here.";
    }

    private async Task RemoveStaleSocketAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            return;
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            File.Delete(path);
            ServerLog.RemovedStaleSocket(_logger, path);
            return;
        }
        throw new IOException($"Another server is already listening on {path}.");
    }

    private static IPEndPoint[] ReadBoundTcpEndPoints(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses
            .Where(a => a.StartsWith("http://", StringComparison.Ordinal) && !a.StartsWith("http://unix:", StringComparison.Ordinal))
            .Select(a => new Uri(a))
            .Select(u => new IPEndPoint(IPAddress.Parse(u.Host.Trim('[', ']')), u.Port))
            .ToArray();
    }

    private void ThrowIfStarted()
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The server has already started; configure it before StartAsync.");
        }
    }

    private sealed class ExternallyControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
