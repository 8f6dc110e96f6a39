namespace Virt.Domain;

/// <summary>What happens when the watchdog fires.</summary>
public enum WatchdogAction
{
    /// <summary>XML value <c>reset</c>.</summary>
    Reset,

    /// <summary>XML value <c>shutdown</c>.</summary>
    Shutdown,

    /// <summary>XML value <c>poweroff</c>.</summary>
    Poweroff,

    /// <summary>XML value <c>pause</c>.</summary>
    Pause,

    /// <summary>XML value <c>none</c>.</summary>
    None,

    /// <summary>XML value <c>dump</c>.</summary>
    Dump,

    /// <summary>XML value <c>inject-nmi</c>.</summary>
    InjectNmi,
}
