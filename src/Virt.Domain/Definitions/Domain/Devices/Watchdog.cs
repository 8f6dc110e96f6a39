namespace Virt.Domain;

/// <summary>A watchdog (<c>&lt;watchdog&gt;</c>); libvirt writes <c>action='reset'</c> when absent.</summary>
/// <param name="Model">Model.</param>
/// <param name="Action">Action.</param>
/// <param name="Alias">Device alias.</param>
/// <param name="Address">Guest address.</param>
public sealed record Watchdog(WatchdogModel Model, WatchdogAction Action, string? Alias, DeviceAddress? Address);
