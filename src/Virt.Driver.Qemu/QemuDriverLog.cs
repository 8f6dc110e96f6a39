using Microsoft.Extensions.Logging;

namespace Virt.Driver.Qemu;

/// <summary>The QEMU driver's log catalogue; event ids are stable.</summary>
internal static partial class QemuDriverLog
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "QEMU driver loaded {Count} domain definitions from {Directory}")]
    public static partial void Loaded(ILogger logger, int count, string directory);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "Definition file {File} cannot be loaded ({Problem}); moved to {QuarantinedAs}")]
    public static partial void Quarantined(ILogger logger, string file, string problem, string quarantinedAs);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "Autostart mark {File} names no defined domain; removed")]
    public static partial void StaleAutostart(ILogger logger, string file);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) defined")]
    public static partial void Defined(ILogger logger, string name, Guid uuid);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) undefined")]
    public static partial void Undefined(ILogger logger, string name, Guid uuid);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "Autostart mark of undefined domain {Name} ({Uuid}) could not be removed; it is ignored and removed on the next start")]
    public static partial void AutostartNotRemoved(ILogger logger, string name, Guid uuid, Exception exception);

    [LoggerMessage(EventId = 506, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) started: id {Id}, QEMU pid {QemuPid}, worker pid {WorkerPid}")]
    public static partial void Started(ILogger logger, string name, Guid uuid, int id, int qemuPid, int workerPid);

    [LoggerMessage(EventId = 507, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) shut off, reason {Reason}")]
    public static partial void Stopped(ILogger logger, string name, Guid uuid, int reason);

    [LoggerMessage(EventId = 508, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) reconnected: id {Id}, QEMU pid {QemuPid}, worker pid {WorkerPid}")]
    public static partial void Reconnected(ILogger logger, string name, Guid uuid, int id, int qemuPid, int workerPid);

    [LoggerMessage(EventId = 509, Level = LogLevel.Warning, Message = "The VMM worker of domain {Name} ({Uuid}) is gone while its guest ran; reported shut off (crashed)")]
    public static partial void WorkerGone(ILogger logger, string name, Guid uuid);

    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "Killed QEMU pid {Pid} of domain {Uuid}, whose worker is gone")]
    public static partial void OrphanKilled(ILogger logger, int pid, Guid uuid);

    [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "Run state {File} cannot be read: {Problem}")]
    public static partial void StateFileUnreadable(ILogger logger, string file, string problem);

    [LoggerMessage(EventId = 512, Level = LogLevel.Debug, Message = "Event stream of domain {Name} ({Uuid}) broke: {Problem}")]
    public static partial void WorkerStreamLost(ILogger logger, string name, Guid uuid, string problem);

    [LoggerMessage(EventId = 513, Level = LogLevel.Warning, Message = "Files of stopped domain {Uuid} could not all be removed: {Problem}")]
    public static partial void CleanupFailed(ILogger logger, Guid uuid, string problem);

    [LoggerMessage(EventId = 514, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) autostarted")]
    public static partial void Autostarted(ILogger logger, string name, Guid uuid);

    [LoggerMessage(EventId = 515, Level = LogLevel.Error, Message = "Domain {Name} ({Uuid}) did not autostart: {Problem}")]
    public static partial void AutostartFailed(ILogger logger, string name, Guid uuid, string problem);

    [LoggerMessage(EventId = 516, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) did not shut down within {Seconds} s; destroying it (--force)")]
    public static partial void ShutdownForced(ILogger logger, string name, Guid uuid, double seconds);

    [LoggerMessage(EventId = 517, Level = LogLevel.Warning, Message = "{Count} stopped domains' workers were not released and tidied up before the driver closed; the next virtd reads what they leave")]
    public static partial void ReleasesPending(ILogger logger, int count);

    [LoggerMessage(EventId = 518, Level = LogLevel.Warning, Message = "Domain id={Id} name='{Name}' uuid={Uuid} is tainted: custom-monitor")]
    public static partial void TaintedByMonitorCommand(ILogger logger, int id, string name, Guid uuid);

    [LoggerMessage(EventId = 519, Level = LogLevel.Warning, Message = "Domain {Name} ({Uuid}): the log {Log} was not removed: {Problem}")]
    public static partial void LogsNotRemoved(ILogger logger, string name, Guid uuid, string log, string problem);

    [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) destroyed: it was started with --autodestroy, and the connection it was tied to closed with the previous virtd")]
    public static partial void AutodestroyedOnReconnect(ILogger logger, string name, Guid uuid);

    [LoggerMessage(EventId = 521, Level = LogLevel.Warning, Message = "Domain {Name} ({Uuid}) was started with --autodestroy and its connection is gone, but it was not destroyed: {Problem}")]
    public static partial void AutodestroyOnReconnectFailed(ILogger logger, string name, Guid uuid, string problem);

    [LoggerMessage(EventId = 522, Level = LogLevel.Information, Message = "Domain {Name} ({Uuid}) renamed to {NewName}")]
    public static partial void Renamed(ILogger logger, string name, string newName, Guid uuid);

    [LoggerMessage(EventId = 523, Level = LogLevel.Warning, Message = "Autostart mark of renamed domain {NewName} ({Uuid}) still reads its old name; the mark is found by UUID, so autostart is unaffected")]
    public static partial void AutostartMarkNotRenamed(ILogger logger, string newName, Guid uuid, Exception exception);
}
