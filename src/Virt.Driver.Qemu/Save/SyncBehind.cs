using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver.Qemu;

/// <summary>
/// Makes a save's temp file durable while QEMU's stream is still being appended to it: a thread of its own calls
/// fdatasync every <see cref="_interval"/>, so the fsync after the stream finds only the last few megabytes (and the
/// journal commit of their blocks) left to do. On this machine's ext4 (virtio disk with a write-back cache) the fsync
/// of a freshly written 69 MiB image took 50-90 ms after the stream, the longest single step of a save; with this it
/// takes 4-8 ms, and the writer is not slowed (tools/bench/README.md, "Save and restore"). Only kicking off
/// write-back (sync_file_range) was not enough: the final fsync then still waited 35-40 ms for the disk's cache
/// flush and the block allocations' commit. The fsync at the end stays: a save reports success and then kills the
/// guest, so the image must be on disk first (libvirt's iohelper fdatasyncs the image too).
/// </summary>
internal sealed partial class SyncBehind : IAsyncDisposable
{
    private static readonly TimeSpan _interval = TimeSpan.FromMilliseconds(20);

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
            while (!_stop.Wait(_interval))
            {
                if (FDataSync(_file) != 0)
                {
                    return; // The final fsync reports what is wrong (it fails the save); this only runs ahead of it.
                }
            }
        }
        finally
        {
            _ended.SetResult();
        }
    }

    /// <summary>Stops after the fdatasync in progress, if any.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Set();
        await _ended.Task.ConfigureAwait(false);
        _file.Dispose();
        _stop.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle fd);
}
