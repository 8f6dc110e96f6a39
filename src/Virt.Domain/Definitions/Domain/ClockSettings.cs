namespace Virt.Domain;

/// <summary>Guest clock (<c>&lt;clock&gt;</c>).</summary>
public sealed record ClockSettings
{
    /// <summary>Offset mode.</summary>
    public ClockOffset Offset { get; init; } = ClockOffset.Utc;

    /// <summary>Time zone for <see cref="ClockOffset.Timezone"/>.</summary>
    public string? Timezone { get; init; }

    /// <summary>Adjustment in seconds (or <c>reset</c>) for <c>utc</c>/<c>localtime</c>/<c>variable</c>.</summary>
    public string? Adjustment { get; init; }

    /// <summary>Basis (<c>utc</c> or <c>localtime</c>) for <see cref="ClockOffset.Variable"/>.</summary>
    public string? Basis { get; init; }

    /// <summary>Timer settings.</summary>
    public ValueList<ClockTimer> Timers { get; init; } = ValueList<ClockTimer>.Empty;
}
