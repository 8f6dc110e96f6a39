namespace Virt.Domain;

/// <summary>One timer (<c>&lt;timer&gt;</c>).</summary>
/// <param name="Name">Timer.</param>
/// <param name="Present">Whether the timer is exposed.</param>
/// <param name="TickPolicy">Missed tick policy.</param>
/// <param name="Track">What the timer tracks.</param>
public sealed record ClockTimer(TimerName Name, bool? Present, TimerTickPolicy? TickPolicy, TimerTrack? Track);
