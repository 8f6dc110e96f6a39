namespace Virt.Cli.Output;

/// <summary>One network as <c>virsh net-list</c> needs it.</summary>
/// <param name="Name">The network name.</param>
/// <param name="Uuid">The UUID.</param>
/// <param name="Active">Whether the network is active.</param>
/// <param name="Autostart">Whether it autostarts; null prints "no autostart", as virsh does when the call fails.</param>
/// <param name="Persistent">Whether it is persistent.</param>
public sealed record NetworkRow(string Name, string Uuid, bool Active, bool? Autostart, bool Persistent);
