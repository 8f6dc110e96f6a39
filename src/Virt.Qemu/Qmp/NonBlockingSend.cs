using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Virt.Qemu.Qmp;

/// <summary>
/// Sends bytes on a Unix stream socket without blocking (<c>MSG_DONTWAIT</c>) whatever the socket's own mode, so it
/// also writes on a socket that a thread of its own reads with blocking reads (the VMM worker's monitor,
/// <see cref="QmpConnection.OpenOnThreadAsync"/>, and console), which an asynchronous send would move to .NET's
/// non-blocking mode. A file descriptor may ride along (<c>sendmsg</c>, <c>SCM_RIGHTS</c>): how QMP's <c>getfd</c>
/// and <c>add-fd</c> receive a file (QEMU takes the descriptor that arrived with the command's bytes; libvirt attaches
/// it to the command the same way). .NET has no managed API for ancillary data.
/// </summary>
public static partial class NonBlockingSend
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgNoSignal = 0x4000;
    private const int MsgDontWait = 0x40;
    private const int EAgain = 11;
    private const int EIntr = 4;

    /// <summary>
    /// Sends <paramref name="bytes"/> on <paramref name="socket"/> with <paramref name="file"/> (if any) attached to
    /// the first byte; returns how many bytes went (the rest is the caller's to write). A full socket buffer is waited
    /// out in short sleeps.
    /// </summary>
    /// <param name="socket">A connected Unix stream socket.</param>
    /// <param name="bytes">What to send.</param>
    /// <param name="file">A descriptor to attach, or null.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the socket buffer.</param>
    /// <exception cref="IOException">The send failed (the peer closed its end, for one).</exception>
    public static async Task<int> SendAsync(Socket socket, ReadOnlyMemory<byte> bytes, SafeFileHandle? file, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            var sent = TrySend(socket.SafeHandle, bytes.Span, file, out var errno);
            if (sent >= 0)
            {
                return sent;
            }
            if (errno is not (EAgain or EIntr))
            {
                throw new IOException($"sendmsg on a Unix socket failed: errno {errno}");
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
        }
    }

    private static unsafe int TrySend(SafeSocketHandle socket, ReadOnlySpan<byte> bytes, SafeFileHandle? file, out int errno)
    {
        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } + one int: CMSG_SPACE(4) = 24 on 64-bit.
        var control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        *(nuint*)control = (nuint)(sizeof(nuint) + 2 * sizeof(int) + sizeof(int));
        *(int*)(control + sizeof(nuint)) = SolSocket;
        *(int*)(control + sizeof(nuint) + sizeof(int)) = ScmRights;
        var addedSocket = false;
        var addedFile = false;
        try
        {
            socket.DangerousAddRef(ref addedSocket);
            if (file is not null)
            {
                file.DangerousAddRef(ref addedFile);
                *(int*)(control + sizeof(nuint) + 2 * sizeof(int)) = (int)file.DangerousGetHandle();
            }
            fixed (byte* data = bytes)
            {
                var vector = new IoVector { Base = data, Length = (nuint)bytes.Length };
                var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = file is null ? null : control, ControlLength = file is null ? 0u : 24u };
                var sent = SendMessage((int)socket.DangerousGetHandle(), &message, MsgNoSignal | MsgDontWait);
                errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
                return (int)sent;
            }
        }
        finally
        {
            if (addedFile)
            {
                file!.DangerousRelease();
            }
            if (addedSocket)
            {
                socket.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (Linux, 64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMessage(int socket, MessageHeader* message, int flags);
}
