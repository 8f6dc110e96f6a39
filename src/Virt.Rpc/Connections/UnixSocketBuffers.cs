using System.Net.Sockets;

namespace Virt.Rpc;

/// <summary>
/// The send buffer of a local (Unix socket) connection, on both ends. With Linux's default (208 KiB) a 1 GiB volume
/// stream filled the socket every few messages: the sender waited for room and the receiver was woken for every few
/// frames, about 45,000 context switches per GiB on each side. With room for several 256 KiB messages a whole message
/// leaves in one send. For a Unix stream socket only the sender's buffer bounds what is queued, so that is the one set.
/// The kernel caps the request at net.core.wmem_max (4 MiB on these machines, 208 KiB on a stock kernel, where this
/// changes nothing); TCP connections keep the kernel's own tuning.
/// </summary>
internal static class UnixSocketBuffers
{
    /// <summary>The send buffer asked for.</summary>
    public const int SendBufferBytes = 4 << 20;

    /// <summary>Asks for <see cref="SendBufferBytes"/> of send buffer on <paramref name="socket"/>; a refusal leaves the default.</summary>
    public static void Enlarge(Socket socket)
    {
        try
        {
            socket.SendBufferSize = SendBufferBytes;
        }
        catch (SocketException)
        {
            // The default still works, only with more wake-ups per GiB.
        }
    }
}
