namespace Virt.Client;

/// <summary>How <see cref="VirtConnection.OpenAsync(string?, bool, VirtConnectionOptions, CancellationToken)"/> connects.</summary>
public sealed class VirtConnectionOptions
{
    /// <summary>
    /// libvirt's client keepalive (virConnectSetKeepAlive, virsh's <c>-k</c>): after this many seconds without traffic
    /// while calls are in flight the client pings the daemon (an HTTP/2 PING) and closes the connection when
    /// <see cref="KeepaliveInterval"/> × <see cref="KeepaliveCount"/> seconds (at least one) pass without the reply.
    /// 0 turns keepalive off. Null (the default): pings after 60 s of silence, which may take 20 s.
    /// </summary>
    public int? KeepaliveInterval { get; init; }

    /// <summary>How many keepalive intervals the reply to a ping may take (virsh's <c>-K</c>). Default 6.</summary>
    public int KeepaliveCount { get; init; } = 6;

    /// <summary>
    /// For a local daemon (<c>virt+unix://</c>, <c>virt:///system</c>, <c>virt:///session</c>): send unary calls, one
    /// at a time, on a connection of their own, each written in one send and answered on the calling thread, which
    /// blocks for up to 1 s before waiting asynchronously. That takes the thread hand-offs of the pooled HTTP/2
    /// connections off each call (about 0.2-0.4 ms on a 2-CPU machine), which is what a command-line client doing one
    /// call after another wants. A caller that issues calls concurrently from the thread pool should leave it off
    /// (the default): a call returns only once answered, so a loop starting calls would run them one at a time.
    /// Calls that find the lane busy, and every streaming call, use the pooled connections.
    /// </summary>
    public bool UnaryCallsOnCallingThread { get; init; }
}
