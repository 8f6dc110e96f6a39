namespace Virt.Domain;

/// <summary>Action taken on a guest power-off, reboot or crash.</summary>
public enum LifecycleAction
{
    /// <summary>XML value <c>destroy</c>.</summary>
    Destroy,

    /// <summary>XML value <c>restart</c>.</summary>
    Restart,

    /// <summary>XML value <c>rename-restart</c>.</summary>
    RenameRestart,

    /// <summary>XML value <c>preserve</c>.</summary>
    Preserve,

    /// <summary>XML value <c>coredump-destroy</c>.</summary>
    CoredumpDestroy,

    /// <summary>XML value <c>coredump-restart</c>.</summary>
    CoredumpRestart,
}
