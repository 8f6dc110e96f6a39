namespace Grpc.Core;

/// <summary>What a server handler knows about its call, and how it sets the call's status and trailers.</summary>
public abstract class ServerCallContext
{
    private Dictionary<object, object>? _userState;

    /// <summary>The method's path, <c>/service/method</c>.</summary>
    public string Method => MethodCore;

    /// <summary>The authority the client called.</summary>
    public string Host => HostCore;

    /// <summary>The peer's address, e.g. <c>unix:</c> or <c>ipv4:127.0.0.1:5000</c>.</summary>
    public string Peer => PeerCore;

    /// <summary>The call's deadline (UTC), <see cref="DateTime.MaxValue"/> when none.</summary>
    public DateTime Deadline => DeadlineCore;

    /// <summary>The request headers.</summary>
    public Metadata RequestHeaders => RequestHeadersCore;

    /// <summary>Fires when the client cancels, the deadline passes, or the server stops.</summary>
    public CancellationToken CancellationToken => CancellationTokenCore;

    /// <summary>Trailers to send with the status.</summary>
    public Metadata ResponseTrailers => ResponseTrailersCore;

    /// <summary>The status to send when the handler returns normally.</summary>
    public Status Status
    {
        get => StatusCore;
        set => StatusCore = value;
    }

    /// <summary>Write options for the response stream.</summary>
    public WriteOptions? WriteOptions
    {
        get => WriteOptionsCore;
        set => WriteOptionsCore = value;
    }

    /// <summary>Per-call state for interceptors and handlers.</summary>
    public IDictionary<object, object> UserState => _userState ??= [];

    /// <summary>Sends the response headers now (they are otherwise sent with the first message).</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders) => WriteResponseHeadersAsyncCore(responseHeaders);

    /// <summary>Implements <see cref="Method"/>.</summary>
    protected abstract string MethodCore { get; }

    /// <summary>Implements <see cref="Host"/>.</summary>
    protected abstract string HostCore { get; }

    /// <summary>Implements <see cref="Peer"/>.</summary>
    protected abstract string PeerCore { get; }

    /// <summary>Implements <see cref="Deadline"/>.</summary>
    protected abstract DateTime DeadlineCore { get; }

    /// <summary>Implements <see cref="RequestHeaders"/>.</summary>
    protected abstract Metadata RequestHeadersCore { get; }

    /// <summary>Implements <see cref="CancellationToken"/>.</summary>
    protected abstract CancellationToken CancellationTokenCore { get; }

    /// <summary>Implements <see cref="ResponseTrailers"/>.</summary>
    protected abstract Metadata ResponseTrailersCore { get; }

    /// <summary>Implements <see cref="Status"/>.</summary>
    protected abstract Status StatusCore { get; set; }

    /// <summary>Implements <see cref="WriteOptions"/>.</summary>
    protected abstract WriteOptions? WriteOptionsCore { get; set; }

    /// <summary>Implements <see cref="WriteResponseHeadersAsync"/>.</summary>
    protected abstract Task WriteResponseHeadersAsyncCore(Metadata responseHeaders);
}
