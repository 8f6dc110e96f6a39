namespace Virt.Cli.Output;

/// <summary>The output switches of <c>virsh list</c>; which domains are listed (<c>--all</c>, <c>--inactive</c>,
/// the filters) is the data layer's business, not the formatter's.</summary>
/// <param name="Name"><c>--name</c>.</param>
/// <param name="Uuid"><c>--uuid</c>.</param>
/// <param name="Id"><c>--id</c>.</param>
/// <param name="Title"><c>--title</c>.</param>
/// <param name="Table"><c>--table</c>.</param>
/// <param name="ManagedSave"><c>--managed-save</c>.</param>
public sealed record DomainListOptions(
    bool Name = false,
    bool Uuid = false,
    bool Id = false,
    bool Title = false,
    bool Table = false,
    bool ManagedSave = false)
{
    /// <summary>Plain <c>virsh list</c>.</summary>
    public static DomainListOptions Default { get; } = new();
}
