using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

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

    private static readonly object _itemKey = new();

    /// <summary>Adds connection middleware to a listener that records the connection's identity in its items.</summary>
    public static void Attach(ListenOptions listen, string listenerName, bool readOnly, ILogger logger) =>
        listen.Use(next => connection =>
        {
            connection.Items[_itemKey] = Describe(connection, listenerName, readOnly, logger);
            return next(connection);
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
        };
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
