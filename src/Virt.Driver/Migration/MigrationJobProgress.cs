using Virt.Driver.Jobs;

namespace Virt.Driver;

/// <summary>A migration's statistics as its job's progress (libvirt reports a migration's RAM as both data and memory).</summary>
public static class MigrationJobProgress
{
    public static JobProgress ToJobProgress(this MigrationStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new JobProgress
        {
            Phase = stats.Phase,
            Elapsed = stats.Elapsed,
            Downtime = stats.Downtime,
            SetupTime = stats.SetupTime,
            DataTotalBytes = stats.DataTotal,
            DataProcessedBytes = stats.DataProcessed,
            DataRemainingBytes = stats.DataRemaining,
            MemoryTotalBytes = stats.DataTotal,
            MemoryProcessedBytes = stats.DataProcessed,
            MemoryRemainingBytes = stats.DataRemaining,
            MemoryBytesPerSecond = stats.MemoryBytesPerSecond,
            MemoryDirtyRatePagesPerSecond = stats.DirtyRatePagesPerSecond,
            MemoryIteration = stats.Iterations,
        };
    }
}
