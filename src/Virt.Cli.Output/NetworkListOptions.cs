namespace Virt.Cli.Output;

/// <summary>The output switches of <c>virsh net-list</c>; <c>--all</c> and the filters choose the rows.</summary>
/// <param name="Name"><c>--name</c>.</param>
/// <param name="Uuid"><c>--uuid</c>.</param>
public sealed record NetworkListOptions(bool Name = false, bool Uuid = false)
{
    /// <summary>Plain <c>virsh net-list</c>.</summary>
    public static NetworkListOptions Default { get; } = new();
}
