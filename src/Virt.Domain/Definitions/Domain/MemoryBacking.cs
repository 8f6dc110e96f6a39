namespace Virt.Domain;

/// <summary>How guest memory is backed (<c>&lt;memoryBacking&gt;</c>).</summary>
public sealed record MemoryBacking
{
    /// <summary>Huge pages; null when not requested, empty for <c>&lt;hugepages/&gt;</c> (default page size).</summary>
    public ValueList<HugePage>? HugePages { get; init; }

    /// <summary>Disables KSM sharing.</summary>
    public bool NoSharePages { get; init; }

    /// <summary>Locks guest memory in host RAM.</summary>
    public bool Locked { get; init; }
}
