using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver.Qemu;

/// <summary>
/// Makes a save's temp file durable while QEMU's stream is still being appended to it, so the fsync after the stream
/// finds almost nothing left to do. A thread of its own looks at the file's size every <see cref="_poll"/> and starts
/// write-back of each whole MiB appended since (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>: the disk writes while
/// QEMU streams, and no dirty backlog builds up), and fdatasyncs every <see cref="_syncInterval"/> (the disk's cache
/// flush and the allocations' journal commit, which write-back alone leaves to the end: on the last machine that
/// alone left 35-40 ms for the final fsync). Measured with bare QEMU streaming 69 MiB (tools/bench/README.md, "Save:
/// the stream written by QEMU itself"): the fsync after the stream took 36-43 ms with nothing, 15-21 ms with only the
/// 20 ms fdatasync this class did before, about 1 ms with both. The fsync at the end stays: a save reports success and
/// then kills the guest, so the image must be on disk first (libvirt's iohelper fdatasyncs the image too).
/// </summary>
internal sealed partial class SyncBehind : IAsyncDisposable
{
    private const long Chunk = 1 << 20;
    private const uint SyncFileRangeWrite = 2;
    private static readonly TimeSpan _poll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan _syncInterval = TimeSpan.FromMilliseconds(20);

    private readonly SafeFileHandle _file;
    private readonly ManualResetEventSlim _stop = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SyncBehind(SafeFileHandle file)
    {
        _file = file;
        // A thread, not the pool: each fdatasync blocks for as long as the disk takes.
        new Thread(Run) { IsBackground = true, Name = "save sync-behind" }.Start();
    }

    /// <summary>Opens <paramref name="path"/> (which the stream's writer appends to) and starts syncing it.</summary>
    public static SyncBehind Start(string path) => new(File.OpenHandle(path, FileMode.Open, FileAccess.Write));

    private void Run()
    {
        try
        {
            long started = 0;
            var synced = 0L;
            var lastSync = Environment.TickCount64;
            while (!_stop.Wait(_poll))
            {
                var length = RandomAccess.GetLength(_file);
                var whole = length & ~(Chunk - 1);
                if (whole > started)
                {
                    if (SyncFileRange(_file, started, whole - started, SyncFileRangeWrite) != 0)
                    {
                        return; // The final fsync reports what is wrong (it fails the save); this only runs ahead of it.
                    }
                    started = whole;
                }
                if (length > synced && Environment.TickCount64 - lastSync >= (long)_syncInterval.TotalMilliseconds)
                {
                    if (FDataSync(_file) != 0)
                    {
                        return;
                    }
                    synced = length;
                    lastSync = Environment.TickCount64;
                }
            }
        }
        finally
        {
            _ended.SetResult();
        }
    }

    /// <summary>
    /// Stops looking at the file. A fdatasync in progress runs on: the caller's final fsync need not wait for it (the
    /// kernel lets both proceed), <see cref="DisposeAsync"/> does.
    /// </summary>
    public void Stop() => _stop.Set();

    /// <summary>Stops after the call in progress, if any, and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Set();
        await _ended.Task.ConfigureAwait(false);
        _file.Dispose();
        _stop.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long count, uint flags);
}
