using System.Runtime.InteropServices;

namespace Virt.Cli.Runtime;

/// <summary>
/// stdin, stdout or stderr as a plain file descriptor: read(2) and write(2), nothing else. FileStream would write a
/// regular file with pwrite at its own offset, clobbering what others appended to a shared descriptor (<c>{ vsh a;
/// vsh b; } &gt; file</c>), and System.Console writes a keypad escape to a terminal before the first byte.
/// </summary>
internal sealed partial class FdStream(int fd, bool writable) : Stream
{
    private const int Eintr = 4;
    private const int Epipe = 32;

    private bool _broken;

    public override bool CanRead => !writable;

    public override bool CanSeek => false;

    public override bool CanWrite => writable;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
        // Unbuffered: every Write is already a write(2).
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var n = ReadNative(fd, buffer, (nuint)buffer.Length);
            if (n >= 0)
            {
                return (int)n;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Eintr)
            {
                throw new IOException($"read from descriptor {fd} failed (errno {errno})");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0 && !_broken)
        {
            var n = WriteNative(fd, buffer, (nuint)buffer.Length);
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Eintr)
            {
                continue;
            }

            if (errno == Epipe)
            {
                // The reader went away (vsh list | head -1): what is left has nobody to read it.
                _broken = true;
                return;
            }

            throw new IOException($"write to descriptor {fd} failed (errno {errno})");
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadNative(int fd, Span<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(int fd, ReadOnlySpan<byte> buffer, nuint count);
}
