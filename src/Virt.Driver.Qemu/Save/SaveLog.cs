using Microsoft.Extensions.Logging;

namespace Virt.Driver.Qemu;

/// <summary>Log lines of save and restore (event ids 580-589, beside MigrationLog's).</summary>
internal static partial class SaveLog
{
    [LoggerMessage(EventId = 580, Level = LogLevel.Information, Message = "Domain {Name} saved to {Path}")]
    public static partial void Saved(ILogger logger, string name, string path);

    [LoggerMessage(EventId = 581, Level = LogLevel.Information, Message = "Domain {Name} restored from {Path}")]
    public static partial void Restored(ILogger logger, string name, string path);

    [LoggerMessage(EventId = 582, Level = LogLevel.Warning, Message = "Undoing the failed save of domain {Name}: {Problem}")]
    public static partial void UndoFailed(ILogger logger, string name, string problem);
}
