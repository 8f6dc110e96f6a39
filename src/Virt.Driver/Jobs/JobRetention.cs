namespace Virt.Driver.Jobs;

/// <summary>
/// How long ended jobs stay readable (jobs.proto: "default 1 hour, at least the last 100 jobs"). An ended job is dropped
/// once it is older than <see cref="Lifetime"/> and not among the newest <see cref="MinimumEnded"/> ended jobs, or
/// when more than <see cref="MaximumEnded"/> have ended, so a busy host cannot grow the registry without bound.
/// </summary>
public sealed record JobRetention
{
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(1);

    public int MinimumEnded { get; init; } = 100;

    public int MaximumEnded { get; init; } = 10_000;
}
