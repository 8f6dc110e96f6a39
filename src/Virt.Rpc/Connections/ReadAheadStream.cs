using System.Net.Sockets;

namespace Virt.Rpc;

/// <summary>
/// A socket stream that receives up to <see cref="BufferBytes"/> at a time and hands it out in the small reads its
/// caller makes. SocketsHttpHandler's HTTP/2 connection reads at most one frame's worth (16 KiB) per call, so a
/// 1 GiB volume download cost about 65,000 receives, each an epoll round trip and a thread-pool hop; copying out of
/// one large receive costs far less than those.
/// </summary>
internal sealed class ReadAheadStream(Socket socket) : Stream
{
    public const int BufferBytes = 256 * 1024;

    private readonly NetworkStream _inner = new(socket, ownsSocket: true);
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_start == _end)
        {
            if (buffer.Length >= BufferBytes)
            {
                return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            _start = 0;
            _end = await _inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (_end == 0)
            {
                return 0;
            }
        }
        return CopyOut(buffer.Span);
    }

    public override int Read(Span<byte> buffer)
    {
        if (_start == _end)
        {
            _start = 0;
            _end = _inner.Read(_buffer);
            if (_end == 0)
            {
                return 0;
            }
        }
        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int CopyOut(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }
}
