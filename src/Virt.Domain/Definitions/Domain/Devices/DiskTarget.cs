namespace Virt.Domain;

/// <summary>Disk guest target (<c>&lt;target dev bus&gt;</c>).</summary>
/// <param name="Dev">Device name hint, e.g. <c>vda</c>.</param>
/// <param name="Bus">Bus; libvirt derives it from the name prefix when absent.</param>
public sealed record DiskTarget(string Dev, DiskBus Bus);
