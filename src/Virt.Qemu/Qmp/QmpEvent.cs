using System.Text.Json.Nodes;

namespace Virt.Qemu.Qmp;

/// <summary>An asynchronous QMP event, e.g. <c>STOP</c>, <c>SHUTDOWN</c>, <c>BALLOON_CHANGE</c>.</summary>
/// <param name="Name">The event name.</param>
/// <param name="Data">The event's data object (empty when QEMU sent none).</param>
/// <param name="Timestamp">When QEMU emitted it.</param>
public sealed record QmpEvent(string Name, JsonObject Data, DateTimeOffset Timestamp);
