namespace Virt.Driver;

/// <summary>
/// The hypervisor side of the migration phases (src/Virt.Driver.Qemu/MIGRATION.md): Begin, Perform and Confirm run
/// on the source, Prepare and Finish on the destination. Every phase after Begin names the migration by the id Begin
/// created. Exactly one side runs the guest at any time; the source resumes only when the destination recorded
/// <see cref="MigrationOutcome.Cancelled"/>.
/// </summary>
public interface IDomainMigration
{
    /// <summary>Source. Holds the domain (one job at a time) until Confirm, and describes it for the destination.</summary>
    Task<OutgoingMigration> BeginOutgoingAsync(DomainRef domain, MigrationSettings settings, CancellationToken cancellationToken);

    /// <summary>
    /// Destination. Runs every pre-flight check (failures together in one <see cref="VirtErrorReason.MigrationPreflight"/>),
    /// then starts the incoming QEMU listening on <paramref name="listenAddress"/> (offline: defines the domain).
    /// </summary>
    Task<IncomingMigration> PrepareIncomingAsync(string migrationId, string xml, MigrationSettings settings, MigrationFacts source, string listenAddress, CancellationToken cancellationToken);

    /// <summary>
    /// Source. Streams the guest to <paramref name="incomingUri"/> and returns the final statistics once QEMU completed.
    /// On failure or cancellation QEMU's migration is cancelled and the guest resumed if it ran, then it throws.
    /// </summary>
    Task<MigrationStats> PerformOutgoingAsync(string migrationId, string incomingUri, IProgress<MigrationStats>? progress, CancellationToken cancellationToken);

    /// <summary>Destination. Decides and records the outcome; idempotent per migration id.</summary>
    Task<(MigrationOutcome Outcome, DomainSummary? Domain)> FinishIncomingAsync(string migrationId, bool cancelled, CancellationToken cancellationToken);

    /// <summary>Source. Acts on the destination's outcome and ends the migration; idempotent.</summary>
    Task<DomainSummary> ConfirmOutgoingAsync(string migrationId, MigrationOutcome outcome, CancellationToken cancellationToken);

    /// <summary>
    /// Source and destination, after a restart of the daemon: the outgoing migrations its previous run left unfinished
    /// (MIGRATION.md, "A restart during a migration"), each waiting for <see cref="RecoverOutgoingAsync"/>. Unfinished
    /// incoming ones need no peer and are settled while the driver opens.
    /// </summary>
    IReadOnlyList<InterruptedMigration> InterruptedMigrations { get; }

    /// <summary>
    /// Source, after a restart: settles an interrupted outgoing migration with what the destination answered to
    /// Finish(cancelled) (<see cref="MigrationOutcome.Unspecified"/> when it could not be asked). QEMU's stream is
    /// cancelled; RUNNING_ON_DESTINATION kills the guest here (shut off, migrated); CANCELLED, or no answer while
    /// Finish cannot have been asked yet, resumes it if the migration paused it; no answer after QEMU completed
    /// leaves it paused. Returns the guest as it is now (null when it is gone) and what was done, in one sentence.
    /// </summary>
    Task<(DomainSummary? Domain, string Done)> RecoverOutgoingAsync(string migrationId, MigrationOutcome destinationOutcome, CancellationToken cancellationToken);

    /// <summary>migrate-getmaxdowntime, in milliseconds.</summary>
    Task<ulong> GetMaxDowntimeAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>migrate-setmaxdowntime; applies to a running migration at once.</summary>
    Task SetMaxDowntimeAsync(DomainRef domain, ulong milliseconds, CancellationToken cancellationToken);

    /// <summary>migrate-getspeed, MiB/s (0: unlimited).</summary>
    Task<ulong> GetMaxSpeedAsync(DomainRef domain, CancellationToken cancellationToken);

    /// <summary>migrate-setspeed; applies to a running migration at once.</summary>
    Task SetMaxSpeedAsync(DomainRef domain, ulong mebibytesPerSecond, CancellationToken cancellationToken);
}

/// <summary>The options both sides honour (proto MigrationOptions, the parts implemented).</summary>
public sealed record MigrationSettings
{
    public bool Live { get; init; }

    public bool Offline { get; init; }

    public bool Persistent { get; init; }

    public bool UndefineSource { get; init; }

    public bool Suspend { get; init; }

    public ulong? MaxDowntimeMs { get; init; }

    public ulong? MaxBandwidthMibS { get; init; }

    /// <summary>--timeout: pause the guest (virsh's --timeout-suspend) when the migration has not finished by then.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Source only: the destination daemon's URI, recorded with the migration so that a restarted source can tell the
    /// destination to give up its copy (empty when a third party drives the phases).
    /// </summary>
    public string Destination { get; init; } = "";
}

/// <summary>How far an outgoing migration had gone when the daemon stopped (persisted beside the guest's run state).</summary>
public enum OutgoingPhase
{
    /// <summary>Begin done; Prepare may have created the destination's paused copy.</summary>
    Begin = 1,

    /// <summary>QEMU's stream was started; it has not completed, so Finish was never asked to resume the guest.</summary>
    Perform = 2,

    /// <summary>QEMU completed the stream (the guest is paused): Finish may have resumed it on the destination.</summary>
    Performed = 3,

    /// <summary>Confirm started with the destination's recorded outcome.</summary>
    Confirm = 4,
}

/// <summary>An outgoing migration that a previous run of the daemon left unfinished.</summary>
/// <param name="Id">The migration id Begin created (the destination's key for Finish).</param>
/// <param name="Name">The guest's name.</param>
/// <param name="Uuid">The guest's UUID.</param>
/// <param name="Destination">The destination daemon's URI, or empty when it was not recorded.</param>
/// <param name="Phase">How far it had gone.</param>
/// <param name="Outcome">The destination's outcome when Confirm had it (phase Confirm), else Unspecified.</param>
/// <param name="GuestGone">Whether the guest's QEMU is gone on this host (the worker did not answer after the restart).</param>
public sealed record InterruptedMigration(string Id, string Name, Guid Uuid, string Destination, OutgoingPhase Phase, MigrationOutcome Outcome, bool GuestGone);

/// <summary>What the destination checks before it accepts a guest.</summary>
public sealed record MigrationFacts
{
    public string Hostname { get; init; } = "";

    public string MachineType { get; init; } = "";

    public string Arch { get; init; } = "";

    /// <summary>The guest CPU element as the source runs it, or empty.</summary>
    public string GuestCpuXml { get; init; } = "";

    public IReadOnlyList<MigrationDiskFact> Disks { get; init; } = [];

    public ulong MemoryKiB { get; init; }

    public uint Vcpus { get; init; }

    public bool WasRunning { get; init; }
}

/// <summary>A disk of the migrating guest as the source sees it.</summary>
public sealed record MigrationDiskFact(string Target, string Source, string Format, bool ReadOnly, bool Shareable);

/// <summary>Begin's result: the id, the domain, the XML the destination runs and the facts it checks.</summary>
public sealed record OutgoingMigration(string Id, DomainSummary Domain, string Xml, MigrationFacts Facts);

/// <summary>Prepare's result: where the destination QEMU listens (<c>tcp:ADDR:PORT</c>; empty offline) and the guest there.</summary>
public sealed record IncomingMigration(string IncomingUri, DomainSummary Domain, TimeSpan FinishTimeout);

/// <summary>The destination's recorded decision (proto MigrationOutcome).</summary>
public enum MigrationOutcome
{
    Unspecified = 0,
    RunningOnDestination = 1,
    Cancelled = 2,
}

/// <summary>query-migrate in libvirt's terms (virDomainGetJobStats).</summary>
public sealed record MigrationStats
{
    public string Phase { get; init; } = "";

    public TimeSpan Elapsed { get; init; }

    public TimeSpan? Downtime { get; init; }

    public TimeSpan? SetupTime { get; init; }

    public ulong? DataTotal { get; init; }

    public ulong? DataProcessed { get; init; }

    public ulong? DataRemaining { get; init; }

    public ulong? MemoryBytesPerSecond { get; init; }

    public ulong? DirtyRatePagesPerSecond { get; init; }

    public ulong? Iterations { get; init; }
}
