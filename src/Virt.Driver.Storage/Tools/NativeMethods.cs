using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver.Storage.Tools;

/// <summary>The libc calls .NET has no API for: filesystem sizes, rename without replacing, hole punching, open without following links.</summary>
internal static partial class NativeMethods
{
    private const int AtFdCwd = -100;
    private const uint RenameNoReplace = 1;
    private const int FallocFlKeepSize = 1;
    private const int FallocFlPunchHole = 2;

    // struct statvfs on x86_64 and aarch64 glibc: 11 unsigned longs, then 6 ints of spare.
    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfs
    {
        public ulong Bsize;
        public ulong Frsize;
        public ulong Blocks;
        public ulong Bfree;
        public ulong Bavail;
        public ulong Files;
        public ulong Ffree;
        public ulong Favail;
        public ulong Fsid;
        public ulong Flag;
        public ulong Namemax;
        public int Spare0;
        public int Spare1;
        public int Spare2;
        public int Spare3;
        public int Spare4;
        public int Spare5;
    }

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatVfsCall(string path, out StatVfs buffer);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDir, string oldPath, int newDir, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlUInt64(SafeHandle fd, ulong request, out ulong value);

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatCall(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int FStatCall(SafeHandle fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenCall(string path, int flags, int mode);

    private const int ErrnoLoop = 40;
    private const uint FileTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;
    private const uint BlockDevice = 0x6000;

    /// <summary>
    /// Opens a volume's file or device without following a symbolic link in its last component (O_NOFOLLOW), and
    /// only when it is a regular file or a block device: a link planted in a pool after it was checked cannot
    /// redirect a write, and a FIFO cannot block the daemon (O_NONBLOCK while opening).
    /// </summary>
    /// <returns>The open handle, or null with <paramref name="refused"/> saying why when the path is a link or another kind of file.</returns>
    /// <exception cref="IOException">open(2) failed for another reason.</exception>
    public static unsafe SafeFileHandle? OpenNoFollow(string path, bool write, out string? refused)
    {
        var isX64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        const int WriteOnly = 1, NonBlock = 0x800, CloseOnExec = 0x80000;
        var noFollow = isX64 ? 0x20000 : 0x8000;
        var fd = OpenCall(path, (write ? WriteOnly : 0) | NonBlock | CloseOnExec | noFollow, 0);
        refused = null;
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ErrnoLoop)
            {
                refused = "it is a symbolic link";
                return null;
            }
            throw new IOException($"open of {path} failed (errno {errno})");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var buffer = stackalloc byte[256];
        if (FStatCall(handle, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new IOException($"fstat of {path} failed (errno {errno})");
        }
        var type = *(uint*)(buffer + (isX64 ? 24 : 16)) & FileTypeMask;
        if (type is not (RegularFile or BlockDevice))
        {
            handle.Dispose();
            refused = "it is neither a regular file nor a block device";
            return null;
        }
        return handle;
    }

    /// <summary>A file's length and the bytes its blocks occupy (st_size, st_blocks × 512; the same offsets on x86_64 and aarch64).</summary>
    public static unsafe (ulong Length, ulong Allocated, uint Mode, uint Uid, uint Gid) FileSizes(string path)
    {
        var buffer = stackalloc byte[256];
        if (StatCall(path, buffer) != 0)
        {
            throw new IOException($"stat of {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        var isX64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        // x86_64: st_nlink is 8 bytes before st_mode; aarch64 (generic): st_mode then a 4-byte st_nlink.
        var mode = *(uint*)(buffer + (isX64 ? 24 : 16));
        var uid = *(uint*)(buffer + (isX64 ? 28 : 24));
        var gid = *(uint*)(buffer + (isX64 ? 32 : 28));
        return (*(ulong*)(buffer + 48), *(ulong*)(buffer + 64) * 512, mode, uid, gid);
    }

    /// <summary>
    /// libvirt's pool figures from statvfs: capacity = blocks, allocation = blocks − free, available = what an
    /// unprivileged writer may still use (bavail), all times the fragment size.
    /// </summary>
    public static (ulong Capacity, ulong Allocation, ulong Available) FilesystemSizes(string path)
    {
        if (StatVfsCall(path, out var s) != 0)
        {
            throw new IOException($"statvfs of {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        return (s.Blocks * s.Frsize, (s.Blocks - s.Bfree) * s.Frsize, s.Bavail * s.Frsize);
    }

    /// <summary>rename(2) that fails with EEXIST instead of replacing: a volume never replaces another, even racing.</summary>
    public static bool TryRenameNoReplace(string from, string to, out int errno)
    {
        errno = 0;
        if (RenameAt2(AtFdCwd, from, AtFdCwd, to, RenameNoReplace) == 0)
        {
            return true;
        }
        errno = Marshal.GetLastPInvokeError();
        return false;
    }

    /// <summary>Makes a byte range a hole (reads as zeroes, frees its blocks); false where the filesystem cannot.</summary>
    public static bool TryPunchHole(SafeHandle file, long offset, long length) =>
        Fallocate(file, FallocFlPunchHole | FallocFlKeepSize, offset, length) == 0;

    /// <summary>Allocates a byte range (posix_fallocate without the write fallback); false where the filesystem cannot.</summary>
    public static bool TryAllocate(SafeHandle file, long offset, long length) => Fallocate(file, 0, offset, length) == 0;

    /// <summary>The size of a block device (BLKGETSIZE64).</summary>
    public static ulong BlockDeviceSize(SafeHandle device)
    {
        const ulong BlkGetSize64 = 0x80081272;
        return IoctlUInt64(device, BlkGetSize64, out var size) == 0
            ? size
            : throw new IOException($"BLKGETSIZE64 failed (errno {Marshal.GetLastPInvokeError()})");
    }
}
