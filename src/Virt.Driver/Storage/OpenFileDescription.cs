using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver;

/// <summary>
/// What an open descriptor is (fstat, fcntl F_GETFL): its file type, access mode and size. The local fast path of
/// vol-upload/vol-download checks a descriptor taken from the caller with it before copying.
/// </summary>
/// <param name="IsRegularFile">S_ISREG.</param>
/// <param name="Readable">Open O_RDONLY or O_RDWR.</param>
/// <param name="Writable">Open O_WRONLY or O_RDWR.</param>
/// <param name="Append">Open O_APPEND (writes ignore their offset).</param>
/// <param name="Size">st_size.</param>
public sealed record OpenFileDescription(bool IsRegularFile, bool Readable, bool Writable, bool Append, ulong Size)
{
    private const uint FileTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;
    private const int AccessModeMask = 3;
    private const int WriteOnly = 1;
    private const int ReadWrite = 2;
    private const int AppendFlag = 0x400;
    private const int PathOnly = 0x200000;

    /// <summary>Describes <paramref name="file"/>.</summary>
    /// <exception cref="IOException">fstat or fcntl failed.</exception>
    public static unsafe OpenFileDescription Of(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var flags = FileNativeMethods.Fcntl(file, FileNativeMethods.FGetFl);
        if (flags < 0)
        {
            throw new IOException($"fcntl(F_GETFL) failed (errno {Marshal.GetLastPInvokeError()})");
        }
        var buffer = stackalloc byte[256];
        if (FileNativeMethods.FStat(file, buffer) != 0)
        {
            throw new IOException($"fstat failed (errno {Marshal.GetLastPInvokeError()})");
        }
        // x86_64: st_nlink is 8 bytes before st_mode; aarch64 (generic): st_mode then a 4-byte st_nlink. st_size is at 48 on both.
        var mode = *(uint*)(buffer + (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16));
        var access = flags & AccessModeMask;
        // An O_PATH descriptor names a file without opening it for reading or writing.
        var opened = (flags & PathOnly) == 0;
        return new OpenFileDescription(
            (mode & FileTypeMask) == RegularFile,
            opened && access != WriteOnly,
            opened && access is WriteOnly or ReadWrite,
            (flags & AppendFlag) != 0,
            *(ulong*)(buffer + 48));
    }
}
