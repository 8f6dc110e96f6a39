namespace Virt.Domain;

/// <summary>Host NUMA memory policy (<c>&lt;numatune&gt;</c>).</summary>
public sealed record NumaTune
{
    /// <summary>Whole-guest policy.</summary>
    public NumaMemoryPolicy? Memory { get; init; }

    /// <summary>Per-guest-cell policies.</summary>
    public ValueList<NumaMemNode> MemNodes { get; init; } = ValueList<NumaMemNode>.Empty;
}
