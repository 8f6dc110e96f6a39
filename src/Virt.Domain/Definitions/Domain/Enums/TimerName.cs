namespace Virt.Domain;

/// <summary>A guest timer device.</summary>
public enum TimerName
{
    /// <summary>XML value <c>platform</c>.</summary>
    Platform,

    /// <summary>XML value <c>pit</c>.</summary>
    Pit,

    /// <summary>XML value <c>rtc</c>.</summary>
    Rtc,

    /// <summary>XML value <c>hpet</c>.</summary>
    Hpet,

    /// <summary>XML value <c>tsc</c>.</summary>
    Tsc,

    /// <summary>XML value <c>kvmclock</c>.</summary>
    Kvmclock,

    /// <summary>XML value <c>hypervclock</c>.</summary>
    Hypervclock,

    /// <summary>XML value <c>armvtimer</c>.</summary>
    Armvtimer,
}
