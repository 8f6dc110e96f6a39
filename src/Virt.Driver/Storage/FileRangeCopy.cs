using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Driver;

/// <summary>
/// Copies a byte range between two open files in the kernel (copy_file_range: no copy through user space, and on
/// filesystems that can, shared extents), in chunks so a job's progress advances and a cancel is honoured between
/// them. Where the kernel cannot (EXDEV, EINVAL: a block device, a special file; ENOSYS, EOPNOTSUPP) it falls back to
/// pread/pwrite for the rest. Neither file's offset moves, except the source's with --sparse, whose extents are walked
/// with lseek: a source whose description is shared (a caller's) is reopened first (<see cref="SparseFile.ReopenForReading"/>).
/// The local fast path of vol-upload/vol-download; with --sparse only the source's data extents are copied and its
/// holes are made holes in the target (<see cref="SparseFile"/>); without, its holes are made zeroed, allocated ranges
/// of the target (walked on a reopened description of its own).
/// </summary>
public static class FileRangeCopy
{
    /// <summary>
    /// One copy_file_range call at most: about a third of a second of the disk here, so progress and cancels stay
    /// responsive, and few enough calls that their cost is nothing.
    /// </summary>
    public const int ChunkBytes = 64 << 20;

    private const int FallbackBufferBytes = 1 << 20;

    /// <summary>What a copy did.</summary>
    /// <param name="Copied">Bytes copied (holes included): <c>length</c>, or fewer when the source ended first.</param>
    /// <param name="InKernel">Whether all of it went through copy_file_range (false once the fallback took over).</param>
    public readonly record struct Outcome(ulong Copied, bool InKernel);

    /// <summary>
    /// Copies up to <paramref name="length"/> bytes from <paramref name="source"/> at <paramref name="sourceOffset"/>
    /// to <paramref name="target"/> at <paramref name="targetOffset"/>, stopping early at the end of the source. Runs
    /// on a thread of its own (the calls block), reporting the bytes copied so far after each chunk. With
    /// <paramref name="sparse"/> (--sparse) only the source's data extents are copied; its holes become holes in the
    /// target (punched, or zeroes where the target cannot have holes), a target that ends in a hole is grown to the
    /// copy's end, and holes count as copied.
    /// </summary>
    /// <exception cref="IOException">A read or write failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between two chunks.</exception>
    public static Task<Outcome> CopyAsync(SafeFileHandle source, long sourceOffset, SafeFileHandle target, long targetOffset, ulong length, bool sparse,
        Action<ulong>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(sourceOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(targetOffset);
        return Task.Factory.StartNew(() => sparse
                ? CopySparse(source, sourceOffset, target, targetOffset, length, progress, cancellationToken)
                : CopyZeroingHoles(source, sourceOffset, target, targetOffset, length, progress, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static Outcome CopySparse(SafeFileHandle source, long sourceOffset, SafeFileHandle target, long targetOffset, ulong length,
        Action<ulong>? progress, CancellationToken cancellationToken)
    {
        // The walk stops at the source's end, as the plain copy does.
        var sourceSize = SparseFile.SizeOf(source);
        var end = sourceOffset + (long)Math.Min(length, (ulong)Math.Max(0, sourceSize - sourceOffset));
        ulong copied = 0;
        var inKernel = true;
        foreach (var extent in SparseFile.Extents(source, sourceOffset, end))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var at = targetOffset + (extent.Offset - sourceOffset);
            if (extent.IsHole)
            {
                SparseFile.MakeHole(target, at, extent.Length);
                copied += (ulong)extent.Length;
                progress?.Invoke(copied);
                continue;
            }
            var outcome = Copy(source, extent.Offset, target, at, (ulong)extent.Length, copied, progress, cancellationToken);
            inKernel &= outcome.InKernel;
            copied += outcome.Copied;
            if (outcome.Copied < (ulong)extent.Length)
            {
                // The source shrank under the copy.
                break;
            }
        }
        SparseFile.EnsureLength(target, targetOffset + (long)copied);
        return new Outcome(copied, inKernel);
    }

    /// <summary>
    /// The plain copy: the same bytes and the same allocation as copying every byte, but the source's holes are made
    /// zeroed, allocated ranges of the target (<see cref="SparseFile.TryZeroRange"/>) instead of being read and written.
    /// copy_file_range reads a hole as zero pages put into the source's page cache and writes as many dirty pages into
    /// the target's: a plain 1 GiB download of a file with 64 MiB of data cost virtd 1.73 s of CPU against 0.31 s for a
    /// full file. The walk is on a description of its own (the source may be the caller's); where that cannot be
    /// opened, or the target takes no ZERO_RANGE, every byte is copied.
    /// </summary>
    private static Outcome CopyZeroingHoles(SafeFileHandle source, long sourceOffset, SafeFileHandle target, long targetOffset, ulong length,
        Action<ulong>? progress, CancellationToken cancellationToken)
    {
        SafeFileHandle walk;
        try
        {
            walk = SparseFile.ReopenForReading(source);
        }
        catch (IOException)
        {
            return Copy(source, sourceOffset, target, targetOffset, length, 0, progress, cancellationToken);
        }
        using (walk)
        {
            var sourceSize = SparseFile.SizeOf(source);
            var end = sourceOffset + (long)Math.Min(length, (ulong)Math.Max(0, sourceSize - sourceOffset));
            ulong copied = 0;
            var inKernel = true;
            var zeroing = true;
            foreach (var extent in SparseFile.Extents(walk, sourceOffset, end))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var at = targetOffset + (extent.Offset - sourceOffset);
                long zeroed = 0;
                if (extent.IsHole && zeroing)
                {
                    zeroed = ZeroRange(target, at, extent.Length, copied, progress, cancellationToken);
                    copied += (ulong)zeroed;
                    zeroing = zeroed == extent.Length;
                }
                if (zeroed == extent.Length)
                {
                    continue;
                }
                var left = (ulong)(extent.Length - zeroed);
                var outcome = Copy(source, extent.Offset + zeroed, target, at + zeroed, left, copied, progress, cancellationToken);
                inKernel &= outcome.InKernel;
                copied += outcome.Copied;
                if (outcome.Copied < left)
                {
                    // The source shrank under the copy.
                    break;
                }
            }
            return new Outcome(copied, inKernel);
        }
    }

    /// <summary>Zeroes a hole's range of the target a chunk at a time; how much was zeroed before ZERO_RANGE was refused.</summary>
    private static long ZeroRange(SafeFileHandle target, long offset, long length, ulong reported, Action<ulong>? progress, CancellationToken cancellationToken)
    {
        long done = 0;
        while (done < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var piece = Math.Min(ChunkBytes, length - done);
            if (!SparseFile.TryZeroRange(target, offset + done, piece))
            {
                break;
            }
            done += piece;
            progress?.Invoke(reported + (ulong)done);
        }
        return done;
    }

    /// <summary>The plain copy of one range; <paramref name="reported"/> bytes already copied are added to what <paramref name="progress"/> is told.</summary>
    private static Outcome Copy(SafeFileHandle source, long sourceOffset, SafeFileHandle target, long targetOffset, ulong length, ulong reported,
        Action<ulong>? progress, CancellationToken cancellationToken)
    {
        ulong copied = 0;
        var inKernel = true;
        byte[]? buffer = null;
        try
        {
            while (copied < length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var want = (int)Math.Min((ulong)ChunkBytes, length - copied);
                long done;
                if (inKernel)
                {
                    done = FileNativeMethods.CopyFileRange(source, ref sourceOffset, target, ref targetOffset, (nuint)want, 0);
                    if (done < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == FileNativeMethods.Eintr)
                        {
                            continue;
                        }
                        if (errno is FileNativeMethods.Exdev or FileNativeMethods.Einval or FileNativeMethods.Enosys
                            or FileNativeMethods.Eopnotsupp or FileNativeMethods.Etxtbsy)
                        {
                            inKernel = false;
                            continue;
                        }
                        throw new IOException($"copy_file_range failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                    }
                }
                else
                {
                    buffer ??= ArrayPool<byte>.Shared.Rent(FallbackBufferBytes);
                    done = CopyThroughBuffer(source, ref sourceOffset, target, ref targetOffset, want, buffer);
                }
                if (done == 0)
                {
                    break;
                }
                copied += (ulong)done;
                progress?.Invoke(reported + copied);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        return new Outcome(copied, inKernel);
    }

    /// <summary>pread then pwrite, up to <paramref name="want"/> bytes; 0 at the end of the source.</summary>
    private static long CopyThroughBuffer(SafeFileHandle source, ref long sourceOffset, SafeFileHandle target, ref long targetOffset, int want, byte[] buffer)
    {
        long total = 0;
        while (total < want)
        {
            var read = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(buffer.Length, want - total)), sourceOffset);
            if (read == 0)
            {
                break;
            }
            RandomAccess.Write(target, buffer.AsSpan(0, read), targetOffset);
            sourceOffset += read;
            targetOffset += read;
            total += read;
        }
        return total;
    }
}
