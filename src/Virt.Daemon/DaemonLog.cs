using Microsoft.Extensions.Logging;

namespace Virt.Daemon;

/// <summary>virtd's log catalogue; event ids are stable.</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "virtd {Version} starting: state {StateDir}, run {RunDir}")]
    public static partial void Starting(ILogger logger, string version, string stateDir, string runDir);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "virtd ready: admin socket {AdminSocket}, read-only socket {ReadOnlySocket}")]
    public static partial void Ready(ILogger logger, string adminSocket, string readOnlySocket);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "virtd stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "virtd stopped")]
    public static partial void Stopped(ILogger logger);
}
