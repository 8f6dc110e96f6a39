namespace Virt.Domain.Network;

/// <summary>The host bridge (<c>&lt;bridge&gt;</c>); libvirt writes stp='on' delay='0' for routed and isolated networks.</summary>
/// <param name="Name">Bridge device name.</param>
/// <param name="Stp">Spanning tree.</param>
/// <param name="Delay">Forward delay in seconds.</param>
public sealed record NetworkBridge(string? Name, bool? Stp, uint? Delay);
