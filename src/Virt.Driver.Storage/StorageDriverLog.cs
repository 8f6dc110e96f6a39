using Microsoft.Extensions.Logging;

namespace Virt.Driver.Storage;

/// <summary>The storage driver's log catalogue; event ids are stable.</summary>
internal static partial class StorageDriverLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Storage driver loaded {Count} pool definitions from {Directory}")]
    public static partial void Loaded(ILogger logger, int count, string directory);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Pool definition {File} cannot be loaded ({Problem}); it is ignored")]
    public static partial void Unloadable(ILogger logger, string file, string problem);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Pool {Name} could not be restarted ({Problem}); it is inactive")]
    public static partial void RestartFailed(ILogger logger, string name, string problem);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Pool {Name} {Change}")]
    public static partial void PoolChanged(ILogger logger, string name, string change);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "Volume {Pool}/{Name} {Change}")]
    public static partial void VolumeChanged(ILogger logger, string pool, string name, string change);
}
