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

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "event log: new epoch {Epoch} ({Why}); sequences start again from 1")]
    public static partial void NewEventEpoch(ILogger logger, string epoch, string why);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "event log: the sequence reservation up to {Ceiling} could not be saved; a restart now may repeat sequence numbers")]
    public static partial void SequenceNotSaved(ILogger logger, ulong ceiling, Exception exception);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "virtd driver {Driver}: {Domains} domains, event epoch {Epoch}, next event sequence above {Sequence}")]
    public static partial void DriverReady(ILogger logger, string driver, int domains, string epoch, ulong sequence);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "call {Method} {Outcome} via {Listener} by pid={Pid} uid={Uid} gid={Gid}")]
    public static partial void Call(ILogger logger, string method, Grpc.Core.StatusCode outcome, string listener, int pid, uint uid, uint gid);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "volume {Operation} of {Volume} via {Listener} by pid={Pid}: local fast path (virtd copies through the caller's own file)")]
    public static partial void VolumeTransferLocal(ILogger logger, string operation, string volume, string listener, int pid);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "volume {Operation} of {Volume} via {Listener} by pid={Pid}: the caller offered its file, streaming instead: {Reason}")]
    public static partial void VolumeTransferDeclined(ILogger logger, string operation, string volume, string listener, int pid, string reason);
}
