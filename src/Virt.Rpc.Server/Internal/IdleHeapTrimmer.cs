using Microsoft.Extensions.Logging;

namespace Virt.Rpc.Server.Internal;

/// <summary>
/// Gives the managed heap's free memory back to the system once the server has been quiet for a while after real
/// work. A burst of calls (a thousand defines) leaves the GC's gen0 budget and the regions it touched committed and
/// resident long after the burst, and a daemon that then idles for hours would hold that memory for nothing: an
/// aggressive full collection compacts what is alive and decommits the rest. It runs only after
/// <see cref="_minimumAllocatedBytes"/> of allocation since the last one, so a client that polls every few seconds
/// does not buy a full collection per poll, and never while calls keep arriving. The same pass unmaps the
/// executable's read-only pages that start-up touched (<see cref="ReadOnlyImagePages"/>). The timer is armed by the first call
/// after a quiet spell, not re-armed per call, so a busy server pays one volatile write per call.
/// </summary>
internal sealed class IdleHeapTrimmer : IDisposable
{
    private readonly long _quietMilliseconds;
    private readonly long _minimumAllocatedBytes;
    private readonly Timer _timer;
    private readonly Action _releaseCaches;
    private readonly ILogger _logger;
    private long _lastCallTicks;
    // From zero, not from the allocation at construction: the first quiet spell also gives back start-up's garbage.
    private long _allocatedAtLastTrim;
    private int _armed;

    // releaseCaches lets go of what the server keeps for its next calls (Kestrel's spare blocks) just before the collection.
    public IdleHeapTrimmer(TimeSpan quiet, long minimumAllocatedBytes, Action releaseCaches, ILogger logger)
    {
        _releaseCaches = releaseCaches;
        _logger = logger;
        _quietMilliseconds = (long)quiet.TotalMilliseconds;
        _minimumAllocatedBytes = minimumAllocatedBytes;
        _timer = new Timer(OnQuietPassed);
    }

    public void NoteCall()
    {
        Volatile.Write(ref _lastCallTicks, Environment.TickCount64);
        if (Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(_quietMilliseconds, Timeout.Infinite);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void OnQuietPassed(object? state)
    {
        var quietFor = Environment.TickCount64 - Volatile.Read(ref _lastCallTicks);
        if (quietFor < _quietMilliseconds)
        {
            _timer.Change(_quietMilliseconds - quietFor, Timeout.Infinite);
            return;
        }
        // A call that lands between the read above and this write finds the timer still armed and does not re-arm it:
        // that call's garbage waits for the next quiet spell, which costs memory for a while, never correctness.
        Volatile.Write(ref _armed, 0);
        if (GC.GetTotalAllocatedBytes() - _allocatedAtLastTrim < _minimumAllocatedBytes)
        {
            return;
        }
        var committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        _releaseCaches();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
        var after = GC.GetGCMemoryInfo();
        var imageKib = ReadOnlyImagePages.Release();
        ServerLog.HeapTrimmed(_logger, committedBefore / 1024, after.TotalCommittedBytes / 1024, after.HeapSizeBytes / 1024, imageKib);
    }
}
