using Microsoft.Extensions.Logging;

namespace Virt.Rpc.Server;

/// <summary>Settings for an <see cref="RpcServer"/>.</summary>
public sealed class RpcServerOptions
{
    /// <summary>The largest request message accepted, in bytes; larger ones fail with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>The largest response message sent, in bytes, or null for no limit.</summary>
    public int? MaxSendMessageSize { get; init; }

    /// <summary>When true, an unexpected handler exception's message is sent to the client; otherwise a generic one.</summary>
    public bool EnableDetailedErrors { get; init; }

    /// <summary>Serve grpc.reflection (v1 and v1alpha) for the services added with a descriptor.</summary>
    public bool EnableReflection { get; init; } = true;

    /// <summary>How long <see cref="RpcServer.StopAsync"/> waits for calls to end before aborting connections.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When set, the managed heap's free memory is returned to the system once no call has arrived for this long after
    /// some megabytes of work (a blocking full collection of a few milliseconds, after the socket buffers kept for the next
    /// calls are let go). Null (the default) leaves the GC alone.
    /// </summary>
    public TimeSpan? TrimHeapWhenIdleFor { get; init; }

    /// <summary>
    /// After this long without a frame from a client, the server sends it an HTTP/2 PING (libvirtd.conf's
    /// keepalive_interval). Null (the default): no pings, and a client that vanished without closing its socket keeps
    /// its connection, and whatever is tied to it, until the kernel gives up on it.
    /// </summary>
    public TimeSpan? KeepAlivePingDelay { get; init; }

    /// <summary>
    /// How long the answer to a keepalive PING may take before the server closes the connection (keepalive_interval ×
    /// keepalive_count); used with <see cref="KeepAlivePingDelay"/>.
    /// </summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Where the server logs; null for no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
