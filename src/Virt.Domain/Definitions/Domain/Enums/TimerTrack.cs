namespace Virt.Domain;

/// <summary>What a timer tracks.</summary>
public enum TimerTrack
{
    /// <summary>XML value <c>boot</c>.</summary>
    Boot,

    /// <summary>XML value <c>guest</c>.</summary>
    Guest,

    /// <summary>XML value <c>wall</c>.</summary>
    Wall,

    /// <summary>XML value <c>realtime</c>.</summary>
    Realtime,
}
