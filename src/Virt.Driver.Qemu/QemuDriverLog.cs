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
}
