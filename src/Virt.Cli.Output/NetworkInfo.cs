namespace Virt.Cli.Output;

/// <summary>Everything <c>virsh net-info</c> prints.</summary>
/// <param name="Name">The network name.</param>
/// <param name="Uuid">The UUID; null leaves the line out.</param>
/// <param name="Active">Whether the network is active; null leaves the line out.</param>
/// <param name="Persistent">Whether it is persistent; null prints "unknown".</param>
/// <param name="Autostart">Whether it autostarts; null prints "no autostart".</param>
/// <param name="Bridge">The bridge device; null leaves the line out.</param>
public sealed record NetworkInfo(
    string Name,
    string? Uuid,
    bool? Active,
    bool? Persistent,
    bool? Autostart,
    string? Bridge);
