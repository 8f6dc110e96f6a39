using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Virt.Rpc.Server.Internal;

/// <summary>
/// Works out a connection's <see cref="ConnectionInfo"/> once, when Kestrel accepts it (listener, read-only flag,
/// SO_PEERCRED), and hands it to every call on that connection. Per connection rather than per call, because an
/// HTTP/2 connection carries many calls and the peer behind a socket cannot change.
/// </summary>
internal static class ConnectionIdentity
{
    // Linux's SOL_SOCKET and SO_PEERCRED (asm-generic/socket.h; the same on x86-64 and arm64).
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    // SO_PEERPIDFD (Linux 6.5+): a pidfd for the peer, taken from the socket, so no pid reuse can intervene.
    private const int SoPeerPidFd = 77;

    private static readonly object _itemKey = new();

    /// <summary>Adds connection middleware to a listener that records the connection's identity in its items.</summary>
    public static void Attach(ListenOptions listen, string listenerName, bool readOnly, ILogger logger) =>
        listen.Use(next => async connection =>
        {
            var info = Describe(connection, listenerName, readOnly, logger);
            connection.Items[_itemKey] = info;
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                // The pidfd lives as long as the connection; a call still using it keeps it open (SafeHandle).
                info.PeerProcess?.Dispose();
            }
        });

    /// <summary>The identity recorded for the connection of this request; read-only <see cref="ConnectionInfo.Unknown"/> if none was.</summary>
    public static ConnectionInfo Of(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(_itemKey, out var value) == true && value is ConnectionInfo info
            ? info
            : ConnectionInfo.Unknown;

    private static ConnectionInfo Describe(ConnectionContext connection, string listenerName, bool readOnly, ILogger logger)
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        PeerCredentials? peer = null;
        PeerProcess? process = null;
        if (socket is { AddressFamily: AddressFamily.Unix })
        {
            try
            {
                peer = ReadPeerCredentials(socket);
            }
            catch (SocketException e)
            {
                // Without credentials the call still runs; services that need them treat the peer as unknown.
                ServerLog.PeerCredentialsUnavailable(logger, listenerName, e.SocketErrorCode);
            }
            if (peer is not null)
            {
                process = OpenPeerProcess(socket, peer);
            }
        }
        return new ConnectionInfo
        {
            ListenerName = listenerName,
            IsReadOnly = readOnly,
            LocalEndPoint = connection.LocalEndPoint switch
            {
                UnixDomainSocketEndPoint unix => unix.ToString(),
                { } other => other.ToString() ?? "",
                null => "",
            },
            Peer = peer,
            PeerProcess = process,
            Closed = connection.ConnectionClosed,
        };
    }

    /// <summary>
    /// The peer as a pidfd: SO_PEERPIDFD where the kernel has it, else pidfd_open of the SO_PEERCRED pid (a pid reused
    /// since the connect could be confused there; the credential check at use narrows that to a process of the same
    /// user). Null without pidfd support: the local fast path then falls back to streaming.
    /// </summary>
    private static PeerProcess? OpenPeerProcess(Socket socket, PeerCredentials peer)
    {
        Span<byte> value = stackalloc byte[4];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerPidFd, value) == value.Length && MemoryMarshal.Read<int>(value) is var fd and >= 0)
            {
                return PeerProcess.FromPidFd(new SafeFileHandle(fd, ownsHandle: true), peer);
            }
        }
        catch (SocketException)
        {
            // ENOPROTOOPT before Linux 6.5.
        }
        return PeerProcess.Open(peer);
    }

    /// <summary>getsockopt(SOL_SOCKET, SO_PEERCRED): the kernel's <c>struct ucred { pid_t pid; uid_t uid; gid_t gid; }</c>.</summary>
    private static PeerCredentials ReadPeerCredentials(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length < ucred.Length)
        {
            throw new SocketException((int)SocketError.ProtocolOption);
        }
        return new PeerCredentials(
            MemoryMarshal.Read<int>(ucred),
            MemoryMarshal.Read<uint>(ucred[4..]),
            MemoryMarshal.Read<uint>(ucred[8..]));
    }
}
