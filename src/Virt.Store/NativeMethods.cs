using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Store;

/// <summary>The libc calls .NET has no API for: fsync of a directory, fdatasync, syncfs, and starting write-back early.</summary>
internal static partial class NativeMethods
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;
    private const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>Makes a directory's entries (a rename, an unlink) durable.</summary>
    public static void FsyncDirectory(string path) => FsyncPath(path, ODirectory, "directory ");

    /// <summary>Makes a file's content and metadata durable, by path.</summary>
    public static void FsyncFile(string path) => FsyncPath(path, 0, "");

    /// <summary>
    /// Makes everything on the file system holding <paramref name="directory"/> durable (syncfs): its files' content,
    /// metadata and directory entries, with one device flush. Linux reports write-back errors since 5.8.
    /// </summary>
    public static void SyncFileSystem(string directory) => SyncPath(directory, ODirectory, "the file system of ", Syncfs, "syncfs");

    /// <summary>Makes an open file's content and metadata durable.</summary>
    public static void Fsync(SafeFileHandle file, string path)
    {
        if (Fsync(file) != 0)
        {
            throw new IOException($"fsync of {path} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>Makes an open file's content durable (and its size, if it changed; not its timestamps).</summary>
    public static void Fdatasync(SafeFileHandle file, string path)
    {
        if (Fdatasync(file) != 0)
        {
            throw new IOException($"fdatasync of {path} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>
    /// Asks the kernel to start writing a file's dirty pages now, without waiting (sync_file_range WRITE). Started for
    /// many files before the first fsync, their writes go out together. Only a hint: errors are left to the fsync.
    /// </summary>
    public static void StartWriteBack(string path)
    {
        var fd = Open(path, ORdOnly | OCloexec);
        if (fd >= 0)
        {
            _ = SyncFileRange(fd, 0, 0, SyncFileRangeWrite);
            _ = Close(fd);
        }
    }

    private static void FsyncPath(string path, int flags, string what) => SyncPath(path, flags, what, Fsync, "fsync");

    private static void SyncPath(string path, int flags, string what, Func<int, int> sync, string syscall)
    {
        var fd = Open(path, ORdOnly | flags | OCloexec);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {what}{path} to make its changes durable (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (sync(fd) != 0)
            {
                throw new IOException($"{syscall} of {what}{path} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }
}
