using Microsoft.Win32.SafeHandles;

namespace Virt.Rpc;

/// <summary>
/// Writes the data of <see cref="IDataMessageReader{T}"/> reads to a stream in order, before the next read reuses the
/// buffers. A seekable file gets one vectored write (pwritev) per read at the position the stream was at, in the
/// calling thread: the transport keeps receiving meanwhile, and a hop to another thread per write would cost more
/// than the write into the page cache. Anything else (a pipe, a memory stream) is written piece by piece.
/// </summary>
public sealed class DataWriter
{
    private const int ZeroChunkBytes = 64 << 10;

    private readonly Stream _target;
    private readonly SafeFileHandle? _file;
    private long _position;

    /// <summary>Writes to <paramref name="target"/> from its current position; call <see cref="Complete"/> once done.</summary>
    /// <param name="target">The stream; it is not disposed.</param>
    public DataWriter(Stream target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        if (target is FileStream { CanSeek: true } file)
        {
            // FileStream flushes its own buffer (if any) and syncs the descriptor's offset before handing out the handle.
            _file = file.SafeFileHandle;
            _position = file.Position;
        }
    }

    /// <summary>The bytes written so far.</summary>
    public long Written { get; private set; }

    /// <summary>Writes one read's data.</summary>
    /// <param name="read">A data read (anything else writes nothing).</param>
    /// <param name="cancellationToken">Cancels a write to a stream that is not a file.</param>
    /// <returns>When the bytes have been handed to the file or stream.</returns>
    public async ValueTask WriteAsync<T>(DataOrMessage<T> read, CancellationToken cancellationToken)
        where T : class
    {
        if (read.Kind != DataOrMessageKind.Data || read.DataLength == 0)
        {
            return;
        }
        if (_file is not null)
        {
            RandomAccess.Write(_file, read.Data, _position);
            _position += read.DataLength;
        }
        else
        {
            foreach (var piece in read.Data)
            {
                await _target.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
            }
        }
        Written += read.DataLength;
    }

    /// <summary>
    /// Passes over a hole of <paramref name="length"/> bytes (a sparse transfer): in a file, <paramref name="makeHole"/>
    /// is given the handle and range to make read as zeroes, and the position moves past it; anything else gets
    /// zeroes written. Counts in <see cref="Written"/>.
    /// </summary>
    /// <param name="length">The hole's length, bytes.</param>
    /// <param name="makeHole">Makes a file's range a hole (handle, offset, length).</param>
    /// <param name="cancellationToken">Cancels writing zeroes to a stream that is not a file.</param>
    /// <returns>When the hole is made.</returns>
    public async ValueTask WriteHoleAsync(long length, Action<SafeFileHandle, long, long> makeHole, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(makeHole);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_file is not null)
        {
            makeHole(_file, _position, length);
            _position += length;
        }
        else
        {
            var zeroes = new byte[(int)Math.Min(ZeroChunkBytes, length)];
            for (long done = 0; done < length;)
            {
                var piece = (int)Math.Min(zeroes.Length, length - done);
                await _target.WriteAsync(zeroes.AsMemory(0, piece), cancellationToken).ConfigureAwait(false);
                done += piece;
            }
        }
        Written += length;
    }

    /// <summary>Moves a file stream's position past what was written, as if it had been written through the stream.</summary>
    public void Complete()
    {
        if (_file is not null)
        {
            _target.Position = _position;
        }
    }
}
