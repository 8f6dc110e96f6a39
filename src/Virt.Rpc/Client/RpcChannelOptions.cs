namespace Virt.Rpc.Client;

/// <summary>Settings for an <see cref="RpcChannel"/>.</summary>
public sealed class RpcChannelOptions
{
    /// <summary>The largest response message accepted, in bytes; larger ones fail with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; } = Wire.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>The largest request message sent, in bytes, or null for no limit.</summary>
    public int? MaxSendMessageSize { get; init; }

    /// <summary>How long to wait for a connection before failing a call with UNAVAILABLE.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a connection with calls in flight may stay silent before the client sends an HTTP/2 PING, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for never. Default 60 s.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for a PING's reply before the connection is closed. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// An HTTP handler to use instead of the default <see cref="System.Net.Http.SocketsHttpHandler"/>
    /// (for TLS settings, for instance). The channel does not dispose it.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>
    /// For a channel to a Unix socket: whether unary calls go, one at a time, over a connection of their own with a
    /// small HTTP/2 client that writes a call in one send and waits for its answer on the calling thread (blocking for
    /// up to 1 s), instead of SocketsHttpHandler's queues and thread-pool hand-offs; the connection the channel is
    /// given becomes that one. Streaming calls, and unary calls that find it busy, use the pooled connections. The
    /// server must not Huffman-code its headers (Kestrel does not). Default false.
    /// </summary>
    public bool UnaryLane { get; init; }
}
