namespace Virt.Daemon;

/// <summary>
/// libvirtd.conf's keepalive_interval and keepalive_count: after <see cref="Interval"/> seconds without a frame from a
/// client, virtd sends it an HTTP/2 PING, and closes the connection when <see cref="Count"/> more intervals pass
/// without an answer (so about Interval × (Count + 1) seconds after the client last spoke). A client that vanished
/// without closing its socket (a TCP peer gone, a frozen process) loses its connection, and what is tied to it, such
/// as a guest started with --autodestroy or an event watch. An interval of 0 or less sends no pings.
/// </summary>
internal sealed record ClientKeepalive(int Interval, int Count)
{
    public const int DefaultInterval = 5;
    public const int DefaultCount = 5;

    /// <summary>Null when the daemon sends no pings.</summary>
    public TimeSpan? PingDelay => Interval > 0 ? TimeSpan.FromSeconds(Interval) : null;

    /// <summary>
    /// How long the answer may take. Kestrel's clock ticks once a second and allows no less, so a count of 0 (libvirt:
    /// close after one silent interval) closes one second after the ping.
    /// </summary>
    public TimeSpan PingTimeout => TimeSpan.FromSeconds(Math.Max(1L, (long)Interval * Count));
}
