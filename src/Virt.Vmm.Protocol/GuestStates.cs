namespace Virt.Vmm.Protocol;

/// <summary>
/// libvirt's numbers for the states, reasons and lifecycle events the worker reports (virDomainState,
/// virDomain*Reason, virDomainEventType and its detail enums), so virtd passes them through unchanged.
/// </summary>
public static class GuestStates
{
    public const int Running = 1;
    public const int Paused = 3;
    public const int Shutdown = 4;
    public const int Shutoff = 5;
    public const int Crashed = 6;

    public const int RunningBooted = 1;
    public const int RunningUnpaused = 5;
    public const int PausedUnknown = 0;
    public const int PausedUser = 1;
    public const int PausedStartingUp = 11;
    public const int ShutdownUser = 1;
    public const int ShutoffShutdown = 1;
    public const int ShutoffDestroyed = 2;
    public const int ShutoffCrashed = 3;
    public const int ShutoffFailed = 6;
    public const int CrashedPanicked = 1;

    /// <summary>No lifecycle event.</summary>
    public const int NoEvent = -1;
    public const int EventStarted = 2;
    public const int EventSuspended = 3;
    public const int EventResumed = 4;
    public const int EventStopped = 5;
    public const int EventShutdown = 6;
    public const int EventCrashed = 8;

    public const int StartedBooted = 0;
    public const int SuspendedPaused = 0;
    public const int ResumedUnpaused = 0;
    public const int StoppedShutdown = 0;
    public const int StoppedDestroyed = 1;
    public const int StoppedCrashed = 2;
    public const int StoppedFailed = 5;
    public const int ShutdownFinished = 0;
    public const int ShutdownGuest = 1;
    public const int ShutdownHost = 2;
    public const int CrashedPanickedDetail = 0;

    /// <summary>Whether QEMU still runs in this state.</summary>
    public static bool IsActive(int state) => state is not (Shutoff or 0);
}
