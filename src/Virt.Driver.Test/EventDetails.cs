namespace Virt.Driver.Test;

/// <summary>
/// libvirt's lifecycle event detail numbers (virDomainEventDefinedDetailType, virDomainEventStartedDetailType, …) for
/// the events its test driver emits.
/// </summary>
internal static class EventDetails
{
    public const int DefinedAdded = 0;

    public const int DefinedUpdated = 1;

    public const int UndefinedRemoved = 0;

    public const int StartedBooted = 0;

    public const int SuspendedPaused = 0;

    public const int ResumedUnpaused = 0;

    public const int StoppedShutdown = 0;

    public const int StoppedDestroyed = 1;
}
