namespace Virt.Domain;

/// <summary>Memory limits (<c>&lt;memtune&gt;</c>), all in KiB.</summary>
public sealed record MemoryTune
{
    /// <summary>Hard limit.</summary>
    public ulong? HardLimitKiB { get; init; }

    /// <summary>Soft limit under contention.</summary>
    public ulong? SoftLimitKiB { get; init; }

    /// <summary>Memory plus swap limit.</summary>
    public ulong? SwapHardLimitKiB { get; init; }

    /// <summary>Guaranteed minimum.</summary>
    public ulong? MinGuaranteeKiB { get; init; }
}
