namespace Virt.Driver.Jobs;

/// <summary>What a driver says about a job it starts (<see cref="JobRegistry.Start"/>).</summary>
/// <param name="Operation">What the job does.</param>
/// <param name="Description">One line for humans ("save web1 to /var/tmp/web1.save").</param>
public sealed record JobStart(JobOperation Operation, string Description)
{
    /// <summary>The domain it works on (the source, for save, migration and clone).</summary>
    public JobDomain? Domain { get; init; }

    /// <summary>The volume it works on.</summary>
    public JobVolume? Volume { get; init; }

    /// <summary>Whether CancelJob may stop it (it can be changed later with <see cref="JobHandle.SetCancellable"/>).</summary>
    public bool Cancellable { get; init; } = true;

    /// <summary>Starts PENDING (e.g. waiting for a stream's first data) until <see cref="JobHandle.MarkRunning"/>.</summary>
    public bool Pending { get; init; }
}
