namespace Virt.Domain;

/// <summary>What happens when timer ticks are missed.</summary>
public enum TimerTickPolicy
{
    /// <summary>XML value <c>delay</c>.</summary>
    Delay,

    /// <summary>XML value <c>catchup</c>.</summary>
    Catchup,

    /// <summary>XML value <c>merge</c>.</summary>
    Merge,

    /// <summary>XML value <c>discard</c>.</summary>
    Discard,
}
