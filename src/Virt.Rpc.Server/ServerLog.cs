using Microsoft.Extensions.Logging;

namespace Virt.Rpc.Server;

/// <summary>The server's log catalogue; event ids are stable.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "gRPC server listening on unix:{Path}")]
    public static partial void ListeningUnix(ILogger logger, string path);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "gRPC server listening on {EndPoint}")]
    public static partial void ListeningTcp(ILogger logger, System.Net.IPEndPoint endPoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Handler for {Method} threw an unexpected exception")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Rejected request for {Path}: {Reason}")]
    public static partial void Rejected(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Call {Method} ended: {StatusCode} {Detail}")]
    public static partial void CallEnded(ILogger logger, string method, Grpc.Core.StatusCode statusCode, string detail);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Removed stale Unix socket {Path}")]
    public static partial void RemovedStaleSocket(ILogger logger, string path);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Could not read the peer credentials of a connection on {Listener}: {Error}")]
    public static partial void PeerCredentialsUnavailable(ILogger logger, string listener, System.Net.Sockets.SocketError error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Heap trimmed after a quiet spell: {CommittedBeforeKib} KiB committed before, {CommittedAfterKib} KiB after, {LiveKib} KiB live; {ImageReleasedKib} KiB of read-only image pages unmapped")]
    public static partial void HeapTrimmed(ILogger logger, long committedBeforeKib, long committedAfterKib, long liveKib, long imageReleasedKib);
}
