using Grpc.Core;

namespace Virt.Rpc;

/// <summary>
/// Who is calling and through which listener: what a server knows about the connection a call arrived on. The
/// transport fills it in before the handler runs (see <see cref="ConnectionInfoExtensions.GetConnectionInfo"/>);
/// services use it for access control (the read-only socket) and to log who changed what.
/// </summary>
public sealed record ConnectionInfo
{
    /// <summary>
    /// What a call carries when no transport said anything about its connection. It is read-only, so a server that
    /// forgot to describe a listener refuses changes rather than allowing them.
    /// </summary>
    public static ConnectionInfo Unknown { get; } = new() { ListenerName = "unknown", IsReadOnly = true, LocalEndPoint = "" };

    /// <summary>The listener's name, e.g. <c>unix:/run/virt/virtd-ro.sock</c>, <c>tcp:127.0.0.1:16509</c> or <c>in-process</c>.</summary>
    public required string ListenerName { get; init; }

    /// <summary>Whether the listener only serves calls that change nothing.</summary>
    public bool IsReadOnly { get; init; }

    /// <summary>This side's address: the socket path, <c>ip:port</c>, or <c>in-process</c>.</summary>
    public required string LocalEndPoint { get; init; }

    /// <summary>The peer process's credentials, known for Unix sockets (SO_PEERCRED) and in-process calls; null otherwise.</summary>
    public PeerCredentials? Peer { get; init; }

    /// <summary>
    /// The peer process itself, held by a pidfd from accept time (Unix sockets, when the kernel supports pidfds); null
    /// otherwise. It lends the local fast path of vol-upload/vol-download the caller's own open file.
    /// </summary>
    public PeerProcess? PeerProcess { get; init; }

    /// <summary>
    /// Cancelled when the connection closes (the client went away or its process ended); <see cref="CancellationToken.None"/>
    /// when the transport cannot tell. What start --autodestroy ties a guest's life to.
    /// </summary>
    public CancellationToken Closed { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        Peer is { } peer ? $"{ListenerName}{(IsReadOnly ? " (read-only)" : "")} {peer}" : $"{ListenerName}{(IsReadOnly ? " (read-only)" : "")}";
}

/// <summary>The credentials of a local peer process, as the kernel reports them for a Unix socket (<c>struct ucred</c>).</summary>
/// <param name="Pid">The peer's process id at connect time.</param>
/// <param name="Uid">Its effective user id.</param>
/// <param name="Gid">Its effective group id.</param>
public sealed record PeerCredentials(int Pid, uint Uid, uint Gid)
{
    /// <summary>This process's own credentials.</summary>
    public static PeerCredentials Current { get; } = new(Environment.ProcessId, NativeMethods.GetUid(), NativeMethods.GetGid());

    /// <summary>Whether these are root's credentials.</summary>
    public bool IsRoot => Uid == 0;

    /// <inheritdoc />
    public override string ToString() => $"pid={Pid} uid={Uid} gid={Gid}";
}

/// <summary>Reads and records a call's <see cref="ConnectionInfo"/>.</summary>
public static class ConnectionInfoExtensions
{
    // A private object as the key, so nothing else in UserState can collide with or overwrite it by accident.
    private static readonly object _key = new();

    /// <summary>
    /// The connection the call arrived on, or <see cref="ConnectionInfo.Unknown"/> (read-only) when the transport did
    /// not record one.
    /// </summary>
    public static ConnectionInfo GetConnectionInfo(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.UserState.TryGetValue(_key, out var value) && value is ConnectionInfo info ? info : ConnectionInfo.Unknown;
    }

    /// <summary>Records the call's connection; transports call this before the handler runs.</summary>
    public static void SetConnectionInfo(this ServerCallContext context, ConnectionInfo connection)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(connection);
        context.UserState[_key] = connection;
    }
}
