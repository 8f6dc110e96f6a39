namespace Virt.Driver.Test;

/// <summary>
/// libvirt's state reason numbers used by its test driver (virDomainRunningReason, virDomainPausedReason,
/// virDomainShutoffReason), so domstate --reason and the API print what virsh prints.
/// </summary>
internal static class StateReasons
{
    public const int Unknown = 0;

    public const int RunningBooted = 1;

    public const int RunningUnpaused = 5;

    public const int PausedUser = 1;

    public const int ShutoffShutdown = 1;

    public const int ShutoffDestroyed = 2;
}
