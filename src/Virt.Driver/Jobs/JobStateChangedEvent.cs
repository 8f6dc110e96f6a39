namespace Virt.Driver.Jobs;

/// <summary>A job was created, started or ended; <paramref name="Job"/> is its state at that moment (retained and replayed).</summary>
public sealed record JobStateChangedEvent(JobInfo Job) : VirtEvent;

/// <summary>A running job made progress. Live-only (<see cref="EventLog.AppendLive"/>): never retained or replayed; at most one per job per second.</summary>
public sealed record JobProgressEvent(JobInfo Job) : VirtEvent;
