using Microsoft.Extensions.Logging;

namespace Virt.Driver.Qemu;

/// <summary>Log lines of clone and migration (event ids 560-579, beside QemuDriverLog's).</summary>
internal static partial class MigrationLog
{
    [LoggerMessage(EventId = 560, Level = LogLevel.Information, Message = "Domain {Source} cloned as {Name} ({Uuid}), {Copies} disk copies")]
    public static partial void Cloned(ILogger logger, string source, string name, Guid uuid, int copies);

    [LoggerMessage(EventId = 561, Level = LogLevel.Warning, Message = "A clone's partial copy {Path} could not be removed: {Problem}")]
    public static partial void CloneCleanupFailed(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 562, Level = LogLevel.Information, Message = "Migration {Id} of domain {Name}: {Phase} {Detail}")]
    public static partial void Phase(ILogger logger, string id, string name, string phase, string detail);

    [LoggerMessage(EventId = 564, Level = LogLevel.Information, Message = "Migration {Id} of domain {Name}: QEMU completed in {TotalMs} ms, downtime {DowntimeMs} ms")]
    public static partial void Completed(ILogger logger, string id, string name, double totalMs, double downtimeMs);

    [LoggerMessage(EventId = 565, Level = LogLevel.Information, Message = "Migration {Id} of domain {Name}: {Phase} {Outcome}")]
    public static partial void Outcome(ILogger logger, string id, string name, string phase, MigrationOutcome outcome);

    [LoggerMessage(EventId = 566, Level = LogLevel.Warning, Message = "Migration {Id} of domain {Name}, interrupted by a restart in phase {Phase}: destination's outcome {Outcome}; {Done}")]
    public static partial void Recovered(ILogger logger, string id, string name, OutgoingPhase phase, MigrationOutcome outcome, string done);

    [LoggerMessage(EventId = 567, Level = LogLevel.Warning, Message = "Migration {Id} of domain {Name} was interrupted by a restart of virtd in phase {Phase}; settling it")]
    public static partial void Interrupted(ILogger logger, string id, string name, OutgoingPhase phase);

    [LoggerMessage(EventId = 568, Level = LogLevel.Warning, Message = "Migration outcome {File} cannot be read; removed")]
    public static partial void OutcomeUnreadable(ILogger logger, string file);

    [LoggerMessage(EventId = 569, Level = LogLevel.Debug, Message = "Migration {Id} of domain {Name}: the recorded outcome {Outcome} has expired and was removed")]
    public static partial void OutcomeExpired(ILogger logger, string id, string name, MigrationOutcome outcome);

    [LoggerMessage(EventId = 570, Level = LogLevel.Debug, Message = "Migration {Id} of domain {Name}: Finish waited {WaitMs} ms for the incoming load, woken by {WokenBy}")]
    public static partial void FinishWaited(ILogger logger, string id, string name, double waitMs, string wokenBy);

    [LoggerMessage(EventId = 563, Level = LogLevel.Warning, Message = "Migration {Id} of domain {Name} failed in {Phase}: {Problem}")]
    public static partial void Failed(ILogger logger, string id, string name, string phase, string problem);
}
