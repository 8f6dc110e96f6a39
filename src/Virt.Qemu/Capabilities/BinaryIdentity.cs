using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Virt.Qemu.Capabilities;

/// <summary>
/// What identifies a QEMU binary for the capabilities cache: its path, size, inode, modification time and change time
/// (from statx). A package upgrade replaces the file (new inode, new ctime) even when it keeps the packaged mtime, and
/// <c>cp -p</c> over it changes the ctime; any of those means a re-probe. Hashing the 20 MB binary would be stronger
/// against an in-place rewrite that restores every time stamp, but costs tens of milliseconds per lookup, and only a
/// deliberate act (root resetting the ctime through the clock) defeats the stat fields.
/// </summary>
public static partial class BinaryIdentity
{
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;

    /// <summary>The identity string of the file at <paramref name="path"/> (absolute).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static string Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new FileNotFoundException($"Cannot check QEMU binary {path}: {Marshal.GetPInvokeErrorMessage(errno)}", path);
        }
        // struct statx (linux/stat.h, the same layout on every architecture): ino at 32, size at 40, then the
        // statx_timestamp (s64 seconds, u32 nanoseconds, s32 reserved) of atime 64, btime 80, ctime 96, mtime 112.
        var span = buffer.AsSpan();
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(span[40..]);
        var ctime = Timestamp(span[96..]);
        var mtime = Timestamp(span[112..]);
        return string.Create(CultureInfo.InvariantCulture, $"{path}|size={size}|ino={inode}|mtime={mtime}|ctime={ctime}");
    }

    private static string Timestamp(ReadOnlySpan<byte> field) => string.Create(CultureInfo.InvariantCulture,
        $"{BinaryPrimitives.ReadInt64LittleEndian(field)}.{BinaryPrimitives.ReadUInt32LittleEndian(field[8..]):D9}");

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);
}
