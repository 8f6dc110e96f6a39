namespace Virt.Cli.Output;

/// <summary>The output switches of <c>virsh pool-list</c>; <c>--all</c>, <c>--type</c> and the filters choose the rows.</summary>
/// <param name="Details"><c>--details</c>.</param>
/// <param name="Name"><c>--name</c>.</param>
/// <param name="Uuid"><c>--uuid</c>.</param>
public sealed record PoolListOptions(bool Details = false, bool Name = false, bool Uuid = false)
{
    /// <summary>Plain <c>virsh pool-list</c>.</summary>
    public static PoolListOptions Default { get; } = new();
}
