namespace Virt.Cli.Output;

/// <summary>One storage volume as <c>virsh vol-list</c> (with <c>--details</c>) and <c>virsh vol-info</c> need it.</summary>
/// <param name="Name">The volume name.</param>
/// <param name="Path">The host path.</param>
/// <param name="Type">virshVolumeTypeToString's word: file, block, dir, network, netdir, ploop.</param>
/// <param name="Capacity">Virtual size in bytes.</param>
/// <param name="Allocation">Allocated bytes.</param>
/// <param name="Physical">Physical size in bytes (vol-info --physical).</param>
public sealed record VolumeRow(string Name, string Path, string Type, ulong Capacity, ulong Allocation, ulong Physical);
