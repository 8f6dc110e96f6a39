using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver;

/// <summary>The libc calls behind <see cref="FileRangeCopy"/>, <see cref="SparseFile"/> and <see cref="OpenFileDescription"/>. Blittable, so NativeAOT-safe.</summary>
internal static partial class FileNativeMethods
{
    public const int Eintr = 4;
    public const int Enxio = 6;
    public const int Exdev = 18;
    public const int Einval = 22;
    public const int Etxtbsy = 26;
    public const int Enosys = 38;
    public const int Eopnotsupp = 95;

    public const int SeekEnd = 2;
    public const int SeekData = 3;
    public const int SeekHole = 4;

    public const int FallocFlKeepSize = 1;
    public const int FallocFlPunchHole = 2;
    public const int FallocFlZeroRange = 0x10;
    public const int Enodev = 19;

    public const int FGetFl = 3;

    public const int OReadOnly = 0;
    public const int ONoControllingTerminal = 0x100;
    public const int OCloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    public static partial nint CopyFileRange(SafeFileHandle input, ref long inputOffset, SafeFileHandle output, ref long outputOffset, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(SafeFileHandle fd, int command);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    public static unsafe partial int FStat(SafeFileHandle fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    public static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);
}
