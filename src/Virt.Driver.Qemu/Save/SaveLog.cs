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

    [LoggerMessage(EventId = 583, Level = LogLevel.Information, Message = "Domain {Name}: managed save image {Path} removed ({Why})")]
    public static partial void ManagedSaveRemoved(ILogger logger, string name, string path, string why);

    [LoggerMessage(EventId = 584, Level = LogLevel.Warning, Message = "Managed save image {Path} belongs to no defined domain; left for the operator")]
    public static partial void OrphanManagedSave(ILogger logger, string path);

    [LoggerMessage(EventId = 585, Level = LogLevel.Warning, Message = "Removed {Path}, the temporary file of a save that did not finish")]
    public static partial void StaleSaveTemp(ILogger logger, string path);

    [LoggerMessage(EventId = 586, Level = LogLevel.Warning, Message = "Domain {Name}: ignoring the incomplete managed save image {Path} and booting")]
    public static partial void IncompleteManagedSave(ILogger logger, string name, string path);

    [LoggerMessage(EventId = 587, Level = LogLevel.Information, Message = "Save image {Path}: XML replaced")]
    public static partial void ImageXmlReplaced(ILogger logger, string path);

    [LoggerMessage(EventId = 588, Level = LogLevel.Information, Message = "Domain {Name}: its VMM worker cannot hand QEMU the save image ({Problem}); streaming through exec:cat")]
    public static partial void StreamThroughShell(ILogger logger, string name, string problem);
}
