namespace Virt.Domain;

/// <summary>One display listen (<c>&lt;listen&gt;</c>).</summary>
/// <param name="Type">Kind.</param>
/// <param name="Address">IP address (address, and live network listens).</param>
/// <param name="Network">Virtual network (network).</param>
/// <param name="Socket">Unix socket path (socket).</param>
public sealed record GraphicsListen(GraphicsListenType Type, string? Address, string? Network, string? Socket);
