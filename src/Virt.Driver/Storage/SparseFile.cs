using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver;

/// <summary>
/// The holes of vol-upload/vol-download --sparse (libvirt's virFileInData, virFDStreamSendHole, virshStreamSkip): a
/// file's data and hole extents found with SEEK_DATA/SEEK_HOLE, and holes made in a target by punching them
/// (fallocate PUNCH_HOLE|KEEP_SIZE) or, where the file cannot have holes, by writing zeroes, so what reads back is
/// the same bytes either way.
/// </summary>
public static class SparseFile
{
    private const int ZeroBufferBytes = 1 << 20;

    /// <summary>One run of a file: data, or a hole (reads as zeroes, no blocks).</summary>
    /// <param name="Offset">Where it starts, bytes.</param>
    /// <param name="Length">How long it is, bytes.</param>
    /// <param name="IsHole">Whether it is a hole.</param>
    public readonly record struct Extent(long Offset, long Length, bool IsHole);

    /// <summary>
    /// The extents of <paramref name="file"/> from <paramref name="offset"/> to <paramref name="end"/>, in order and
    /// without gaps. A file whose filesystem does not report holes (or a device) is one data extent; past the file's
    /// end is a hole. Moves the description's offset (lseek), which FileStream and RandomAccess never rely on; a
    /// description shared with another process gets one of its own first (<see cref="ReopenForReading"/>).
    /// </summary>
    /// <exception cref="IOException">lseek failed other than for want of hole support.</exception>
    public static IEnumerable<Extent> Extents(SafeFileHandle file, long offset, long end)
    {
        ArgumentNullException.ThrowIfNull(file);
        var position = offset;
        while (position < end)
        {
            var data = FileNativeMethods.LSeek(file, position, FileNativeMethods.SeekData);
            if (data < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == FileNativeMethods.Enxio)
                {
                    // No data from here on: the rest is a hole.
                    yield return new Extent(position, end - position, true);
                    yield break;
                }
                if (errno == FileNativeMethods.Einval)
                {
                    yield return new Extent(position, end - position, false);
                    yield break;
                }
                throw Failed("lseek(SEEK_DATA)", errno);
            }
            if (data > position)
            {
                var holeEnd = Math.Min(data, end);
                yield return new Extent(position, holeEnd - position, true);
                position = holeEnd;
                if (position >= end)
                {
                    yield break;
                }
            }
            var hole = FileNativeMethods.LSeek(file, position, FileNativeMethods.SeekHole);
            if (hole < 0)
            {
                throw Failed("lseek(SEEK_HOLE)", Marshal.GetLastPInvokeError());
            }
            var dataEnd = Math.Min(Math.Max(hole, position), end);
            if (dataEnd == position)
            {
                // The file ended between the two calls (it shrank): the rest is a hole.
                yield return new Extent(position, end - position, true);
                yield break;
            }
            yield return new Extent(position, dataEnd - position, false);
            position = dataEnd;
        }
    }

    /// <summary>
    /// Makes <paramref name="length"/> bytes at <paramref name="offset"/> read as zeroes without changing the file's
    /// size: a punched hole where the filesystem (or block device) can, zeroes written where it cannot. A range past
    /// the end of a file is already a hole and stays one (<see cref="EnsureLength"/> sets the size at the end).
    /// </summary>
    /// <exception cref="IOException">Writing the zeroes failed.</exception>
    public static void MakeHole(SafeFileHandle file, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (length <= 0
            || FileNativeMethods.Fallocate(file, FileNativeMethods.FallocFlPunchHole | FileNativeMethods.FallocFlKeepSize, offset, length) == 0)
        {
            return;
        }
        var zeroes = new byte[(int)Math.Min(ZeroBufferBytes, length)];
        for (long done = 0; done < length;)
        {
            var piece = (int)Math.Min(zeroes.Length, length - done);
            RandomAccess.Write(file, zeroes.AsSpan(0, piece), offset + done);
            done += piece;
        }
    }

    /// <summary>
    /// Makes <paramref name="length"/> bytes at <paramref name="offset"/> read as zeroes, allocated (fallocate
    /// ZERO_RANGE: unwritten extents, no data written and no page cache), growing a regular file that is shorter; a
    /// block device takes it with KEEP_SIZE. False where neither is supported (then write the zeroes).
    /// </summary>
    /// <exception cref="IOException">fallocate failed for another reason (e.g. ENOSPC).</exception>
    public static bool TryZeroRange(SafeFileHandle file, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (length <= 0 || FileNativeMethods.Fallocate(file, FileNativeMethods.FallocFlZeroRange, offset, length) == 0
            || FileNativeMethods.Fallocate(file, FileNativeMethods.FallocFlZeroRange | FileNativeMethods.FallocFlKeepSize, offset, length) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno is FileNativeMethods.Eopnotsupp or FileNativeMethods.Einval or FileNativeMethods.Enodev or FileNativeMethods.Enosys or FileNativeMethods.Eintr
            ? false
            : throw Failed("fallocate(ZERO_RANGE)", errno);
    }

    /// <summary>
    /// Grows <paramref name="file"/> to <paramref name="length"/> bytes when it is shorter (a download that ends in a
    /// hole); a longer file, or a device, is left as it is.
    /// </summary>
    /// <exception cref="IOException">ftruncate failed.</exception>
    public static void EnsureLength(SafeFileHandle file, long length)
    {
        ArgumentNullException.ThrowIfNull(file);
        // A block device is never shorter than a range in it.
        if (SizeOf(file) < length)
        {
            RandomAccess.SetLength(file, length);
        }
    }

    /// <summary>
    /// A file's or block device's size: fstat for a regular file, which leaves the descriptor's offset alone (the
    /// local fast path's files are the caller's, their offset shared with it), lseek(SEEK_END) for a device, whose
    /// size fstat does not give.
    /// </summary>
    /// <exception cref="IOException">fstat or lseek failed.</exception>
    public static long SizeOf(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (OpenFileDescription.Of(file) is { IsRegularFile: true } regular)
        {
            return (long)regular.Size;
        }
        var size = FileNativeMethods.LSeek(file, 0, FileNativeMethods.SeekEnd);
        return size >= 0 ? size : throw Failed("lseek(SEEK_END)", Marshal.GetLastPInvokeError());
    }

    /// <summary>
    /// The same file opened again for reading, as a description of its own (open of <c>/proc/self/fd/N</c>): the
    /// walk of <see cref="Extents"/> moves the offset of the description it is given, and a descriptor taken from a
    /// caller (pidfd_getfd) shares the caller's. The open is checked against this process's own credentials.
    /// </summary>
    /// <exception cref="IOException">The open failed (e.g. EACCES: this process may not read the file by itself).</exception>
    public static SafeFileHandle ReopenForReading(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var path = $"/proc/self/fd/{file.DangerousGetHandle().ToInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var fd = FileNativeMethods.Open(path, FileNativeMethods.OReadOnly | FileNativeMethods.OCloseOnExec | FileNativeMethods.ONoControllingTerminal);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failed($"open({path})", Marshal.GetLastPInvokeError());
    }

    private static IOException Failed(string call, int errno) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
}
