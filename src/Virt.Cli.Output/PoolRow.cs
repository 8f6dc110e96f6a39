namespace Virt.Cli.Output;

/// <summary>One storage pool as <c>virsh pool-list</c> (all columns, <c>--details</c> included) and
/// <c>virsh pool-info</c> need it.</summary>
/// <param name="Name">The pool name.</param>
/// <param name="Uuid">The UUID.</param>
/// <param name="State">The pool state; any state but <see cref="StoragePoolState.Inactive"/> lists as "active".</param>
/// <param name="Autostart">Whether it autostarts; null prints "no autostart".</param>
/// <param name="Persistent">Whether it is persistent; null prints "unknown".</param>
/// <param name="Capacity">Capacity in bytes (printed only for running or degraded pools).</param>
/// <param name="Allocation">Allocation in bytes.</param>
/// <param name="Available">Available bytes.</param>
public sealed record PoolRow(
    string Name,
    string Uuid,
    StoragePoolState State,
    bool? Autostart,
    bool? Persistent,
    ulong Capacity,
    ulong Allocation,
    ulong Available);
