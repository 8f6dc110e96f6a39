using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grpc.Core;

namespace Virt.Rpc.Client;

/// <summary>
/// A gRPC channel over HTTP/2 on <see cref="SocketsHttpHandler"/>: cleartext (prior knowledge) on TCP or on a Unix
/// socket. One channel multiplexes all its calls over pooled connections; create one per server and share it.
/// </summary>
public sealed class RpcChannel : ChannelBase, IDisposable
{
    /// <summary>The HTTP/2 receive window each response stream starts with.</summary>
    public const int StreamWindowBytes = 8 << 20;

    private readonly HttpMessageInvoker _invoker;
    private readonly bool _disposeHandler;
    private readonly StrongBox<Socket?> _firstConnection;

    private RpcChannel(string target, Uri baseAddress, HttpMessageHandler handler, bool disposeHandler, RpcChannelOptions options, StrongBox<Socket?>? firstConnection = null, UnaryLane? unaryLane = null)
        : base(target)
    {
        UnaryLane = unaryLane;
        _firstConnection = firstConnection ?? new StrongBox<Socket?>();
        BaseAddress = baseAddress;
        Options = options;
        _invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        _disposeHandler = disposeHandler;
        Handler = handler;
    }

    /// <summary>The base URI that method paths are appended to.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The channel's settings.</summary>
    public RpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    /// <summary>The connection for unary calls, when <see cref="RpcChannelOptions.UnaryLane"/> asked for one.</summary>
    internal UnaryLane? UnaryLane { get; }

    private HttpMessageHandler Handler { get; }

    /// <summary>Creates a channel to an <c>http://host:port</c> address.</summary>
    public static RpcChannel ForAddress(Uri address, RpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"Address '{address}' must use http:// (cleartext HTTP/2); TLS is configured through RpcChannelOptions.HttpHandler.", nameof(address));
        }
        options ??= new RpcChannelOptions();
        var (handler, owned) = options.HttpHandler is { } custom ? (custom, false) : (CreateHandler(options, null), true);
        return new RpcChannel(address.ToString(), address, handler, owned, options);
    }

    /// <summary>Creates a channel to a server listening on a Unix socket.</summary>
    /// <param name="socketPath">The socket's path.</param>
    /// <param name="options">The channel's settings.</param>
    /// <param name="connected">
    /// A socket already connected to <paramref name="socketPath"/>, which the channel takes over as its first connection
    /// (a client that connects up front to report an absent server need not connect twice), or as its unary lane's
    /// (<see cref="RpcChannelOptions.UnaryLane"/>); later connections are new.
    /// </param>
    public static RpcChannel ForUnixSocket(string socketPath, RpcChannelOptions? options = null, Socket? connected = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        options ??= new RpcChannelOptions();
        var endPoint = new UnixDomainSocketEndPoint(socketPath);
        var target = "unix:" + socketPath;
        var lane = options.UnaryLane ? new UnaryLane(endPoint, target, connected) : null;
        var firstConnection = new StrongBox<Socket?>(lane is null ? connected : null);
        var handler = CreateHandler(options, endPoint, firstConnection);
        // The authority is only a label for a Unix socket; "localhost" is what other gRPC clients send.
        return new RpcChannel(target, new Uri("http://localhost"), handler, true, options, firstConnection, lane);
    }

    /// <inheritdoc />
    public override CallInvoker CreateCallInvoker() => new HttpCallInvoker(this);

    /// <summary>
    /// An invoker for calls whose effect lasts as long as the connection they arrive on (start --autodestroy): they
    /// never take the <see cref="UnaryLane"/>, whose connection is closed and replaced whenever a call outlasts its
    /// blocking wait, but go on the pooled connection, which stays open as long as the channel.
    /// </summary>
    public CallInvoker CreateConnectionBoundCallInvoker() => new HttpCallInvoker(this, unaryLane: false);

    /// <summary>Closes pooled connections. Calls still running fail.</summary>
    public void Dispose()
    {
        _invoker.Dispose();
        UnaryLane?.Dispose();
        Interlocked.Exchange(ref _firstConnection.Value, null)?.Dispose();
        if (_disposeHandler)
        {
            Handler.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(RpcChannelOptions options, EndPoint? unixEndPoint, StrongBox<Socket?>? firstConnection = null)
    {
        var handler = new SocketsHttpHandler
        {
            // Calls are long-lived streams as often as not: never let the pool or a proxy interfere.
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            // The receive window a response stream starts with (64 KiB by default, grown only as round trips are
            // measured): a volume download's 1 MiB messages should not wait on WINDOW_UPDATEs from the first one.
            InitialHttp2StreamWindowSize = StreamWindowBytes,
        };
        if (unixEndPoint is not null)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                if (firstConnection is not null && Interlocked.Exchange(ref firstConnection.Value, null) is { } first)
                {
                    UnixSocketBuffers.Enlarge(first);
                    return new ReadAheadStream(first);
                }
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                UnixSocketBuffers.Enlarge(socket);
                try
                {
                    await socket.ConnectAsync(unixEndPoint, cancellationToken).ConfigureAwait(false);
                    return new ReadAheadStream(socket);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return handler;
    }
}
