using Virt.Testing;

namespace Virt.Driver.Qemu.Tests;

/// <summary>
/// What a restarted driver does with the migration records a previous run left under RUN/qemu (MIGRATION.md, "A
/// restart during a migration"): with guests that are gone, and with one real guest for each outcome the destination
/// may answer; the whole path between two virtd is in Virt.Integration.Tests' MigrationTests.Restart.cs.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MigrationRecoveryTests
{
    private static Guid Uuid { get; } = Guid.Parse("6695eb01-f6a4-8304-79aa-97f2502e193f");

    private string _state = null!;

    [SetUp]
    public void CreateStateDirectory() => _state = Directory.CreateTempSubdirectory("virt-qemu-migrec-").FullName;

    [TearDown]
    public void DeleteStateDirectory() => Directory.Delete(_state, recursive: true);

    private QemuDriverOptions Options => new() { StateDirectory = _state, HostCpus = 4, VmmBinary = GuestFixture.VmmBinary, WorkerLinger = TimeSpan.FromSeconds(5) };

    private const string IncomingId = "5a9de6c2-0d51-4f43-9a57-2c5b0e7f1d38";

    private string OutcomeFile => Path.Combine(Options.MigrationOutcomesDirectory, IncomingId + MigrationOutcomes.Extension);

    private string RecordFile => Path.Combine(Options.GuestRunDirectory, Uuid.ToString("D") + MigrationRecord.Extension);

    private Task<QemuDomainDriver> OpenAsync() => QemuDomainDriver.OpenAsync(Options, new EventLog(), new ListLogger(), CancellationToken.None);

    private void Write(MigrationRecord record)
    {
        Directory.CreateDirectory(Options.GuestRunDirectory);
        File.WriteAllText(RecordFile, record.Format());
    }

    [Test]
    public void A_record_reads_back_as_written_and_a_torn_one_reads_as_none()
    {
        var outgoing = new MigrationRecord
        {
            Outgoing = true, Id = "m-1", Uuid = Uuid, Name = "web", Peer = "virt+tcp://10.0.0.2:16509/", Phase = OutgoingPhase.Performed,
            WasRunning = true, PausedBySelf = true, Outcome = MigrationOutcome.Cancelled,
        };
        var incoming = new MigrationRecord { Outgoing = false, Id = "m-2", Uuid = Uuid, Name = "web", Finishing = true };
        Assert.Multiple(() =>
        {
            Assert.That(MigrationRecord.Parse(outgoing.Format()), Is.EqualTo(outgoing));
            Assert.That(MigrationRecord.Parse(incoming.Format()), Is.EqualTo(incoming));
            Assert.That(outgoing.Format(), Does.Contain("direction=out\n").And.Contain("phase=performed\n").And.Contain("peer=virt+tcp://10.0.0.2:16509/\n"));
            Assert.That(MigrationRecord.Parse(outgoing.Format()[..40]), Is.Null, "cut before the phase");
            Assert.That(MigrationRecord.Parse(outgoing.Format().Replace("phase=performed", "phase=landed", StringComparison.Ordinal)), Is.Null);
            Assert.That(MigrationRecord.Parse(""), Is.Null);
        });
    }

    [Test]
    public async Task An_outgoing_record_waits_for_recovery_which_removes_it_and_reports_the_guest_gone()
    {
        Write(new MigrationRecord { Outgoing = true, Id = "m-1", Uuid = Uuid, Name = "web", Peer = "virt+tcp://b/", Phase = OutgoingPhase.Perform, WasRunning = true });
        await using var driver = await OpenAsync();

        var interrupted = driver.InterruptedMigrations;
        Assert.That(interrupted, Is.EqualTo(new[] { new InterruptedMigration("m-1", "web", Uuid, "virt+tcp://b/", OutgoingPhase.Perform, MigrationOutcome.Unspecified, GuestGone: true) }));
        var (domain, done) = await driver.RecoverOutgoingAsync("m-1", MigrationOutcome.Cancelled, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(domain, Is.Null);
            Assert.That(done, Is.EqualTo("its QEMU is gone on this host"));
            Assert.That(File.Exists(RecordFile), Is.False);
            Assert.That(driver.InterruptedMigrations, Is.Empty);
        });
        var again = Assert.ThrowsAsync<VirtException>(() => driver.RecoverOutgoingAsync("m-1", MigrationOutcome.Cancelled, CancellationToken.None));
        Assert.That(again!.Reason, Is.EqualTo(VirtErrorReason.InvalidArgument));
    }

    [Test]
    public async Task An_unfinished_incoming_record_is_given_up_at_open_and_a_later_finish_gets_cancelled_even_after_another_restart()
    {
        Write(new MigrationRecord { Outgoing = false, Id = IncomingId, Uuid = Uuid, Name = "web" });
        var driver = await OpenAsync();

        Assert.That(File.Exists(RecordFile), Is.False);
        Assert.That(driver.InterruptedMigrations, Is.Empty, "an incoming migration needs no peer to settle");
        var (outcome, domain) = await driver.FinishIncomingAsync(IncomingId, cancelled: true, CancellationToken.None);
        Assert.That((outcome, domain), Is.EqualTo((MigrationOutcome.Cancelled, (DomainSummary?)null)));
        var job = await driver.Jobs.WaitAsync(driver.Jobs.List().Single().Id, CancellationToken.None);
        Assert.That((job.Operation, job.State, job.Error?.Message), Is.EqualTo((Jobs.JobOperation.MigrationIn, Jobs.JobState.Failed,
            "The incoming migration of domain 'web' was interrupted by a restart of virtd before it finished; its paused copy was removed from this host.")));

        // The decision is on disk, so a destination restarted once more still answers the source's Finish.
        await driver.DisposeAsync();
        Assert.That(await File.ReadAllTextAsync(OutcomeFile), Does.StartWith($"migration_id={IncomingId}\ndomain_uuid={Uuid}\ndomain_name=web\noutcome=cancelled\nrecorded="));
        await using var again = await OpenAsync();
        Assert.That(await again.FinishIncomingAsync(IncomingId, cancelled: true, CancellationToken.None), Is.EqualTo((MigrationOutcome.Cancelled, (DomainSummary?)null)));
    }

    [Test]
    public async Task Recorded_outcomes_expire_unreadable_ones_are_removed_and_prepare_takes_only_a_uuid_as_migration_id()
    {
        var expired = new MigrationOutcomeEntry(IncomingId, Uuid, "web", MigrationOutcome.RunningOnDestination, DateTimeOffset.UtcNow - TimeSpan.FromDays(8));
        var kept = expired with { Id = "0f4c1d2e-3b5a-4c6d-8e7f-9a0b1c2d3e4f", Recorded = DateTimeOffset.UtcNow - TimeSpan.FromDays(6) };
        Directory.CreateDirectory(Options.MigrationOutcomesDirectory);
        await File.WriteAllTextAsync(OutcomeFile, expired.Format());
        await File.WriteAllTextAsync(Path.Combine(Options.MigrationOutcomesDirectory, kept.Id + MigrationOutcomes.Extension), kept.Format());
        var torn = Path.Combine(Options.MigrationOutcomesDirectory, "11111111-2222-3333-4444-555555555555" + MigrationOutcomes.Extension);
        await File.WriteAllTextAsync(torn, expired.Format()[..30]);
        await using var driver = await OpenAsync();

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(OutcomeFile), Is.False, "older than the lifetime (7 days)");
            Assert.That(File.Exists(torn), Is.False);
        });
        var gone = Assert.ThrowsAsync<VirtException>(() => driver.FinishIncomingAsync(IncomingId, cancelled: true, CancellationToken.None));
        Assert.That(gone!.Message, Is.EqualTo($"No migration with id '{IncomingId}' was prepared on this host (or its outcome has expired)."));
        Assert.That((await driver.FinishIncomingAsync(kept.Id, cancelled: true, CancellationToken.None)).Outcome, Is.EqualTo(MigrationOutcome.RunningOnDestination));

        var refused = Assert.ThrowsAsync<VirtException>(() => driver.PrepareIncomingAsync("../m-1", "<domain/>", new MigrationSettings(), new MigrationFacts(), "127.0.0.1", CancellationToken.None));
        Assert.That((refused!.Reason, refused.Message), Is.EqualTo((VirtErrorReason.InvalidArgument, "The migration id '../m-1' is not the lowercase UUID Begin returns.")));
    }

    [Test]
    public async Task A_record_that_does_not_read_is_removed()
    {
        Directory.CreateDirectory(Options.GuestRunDirectory);
        await File.WriteAllTextAsync(RecordFile, "direction=out\nmigration_id=m-3\n");
        await using var driver = await OpenAsync();
        Assert.That(File.Exists(RecordFile), Is.False);
        Assert.That(driver.InterruptedMigrations, Is.Empty);
    }

    /// <summary>
    /// One guest, the driver "restarted" (disposed and opened again: the worker and QEMU go on) with a record of each
    /// kind: the one rule decides whether it resumes, stays paused, or is stopped as migrated.
    /// </summary>
    [Test]
    [CancelAfter(300_000)]
    public async Task A_restarted_source_resumes_keeps_paused_or_stops_the_guest_as_the_phase_and_the_destination_answer_say(CancellationToken cancellationToken)
    {
        var guest = await TestGuest.GetAsync(cancellationToken);
        var driver = await OpenAsync();
        await driver.DefineDomainAsync(GuestFixture.Xml(guest, "web", Uuid), cancellationToken);
        await driver.StartDomainAsync(DomainRef.ByUuid(Uuid), startPaused: false, cancellationToken);
        var console = Path.Combine(_state, "qemu", "log", $"{Uuid}.console.log");
        await GuestFixture.WaitForHeartbeatAsync(console, 0, TimeSpan.FromSeconds(90), cancellationToken);
        try
        {
            // QEMU completed (the guest is paused) and the destination could not be asked: it may run the guest.
            await driver.SuspendDomainAsync(DomainRef.ByUuid(Uuid), cancellationToken);
            driver = await RestartWithAsync(driver, OutgoingPhase.Performed, "m-1");
            Assert.That(driver.InterruptedMigrations.Single().GuestGone, Is.False);
            var (paused, done) = await driver.RecoverOutgoingAsync("m-1", MigrationOutcome.Unspecified, cancellationToken);
            Assert.That((paused?.State, done), Is.EqualTo(((DomainState?)DomainState.Paused,
                "QEMU had completed the stream and the destination's outcome is unknown, so the guest stays paused here; resume it only after making sure the destination does not run it")));

            // The same, but the destination answers CANCELLED: this side resumes.
            driver = await RestartWithAsync(driver, OutgoingPhase.Performed, "m-2");
            var (resumed, _) = await driver.RecoverOutgoingAsync("m-2", MigrationOutcome.Cancelled, cancellationToken);
            Assert.That(resumed?.State, Is.EqualTo(DomainState.Running));
            var beat = GuestFixture.Heartbeats(console)[^1];
            await GuestFixture.WaitForHeartbeatAsync(console, beat + 1, TimeSpan.FromSeconds(30), cancellationToken);

            // The destination already runs it: stopped here as Confirm would, never resumed.
            driver = await RestartWithAsync(driver, OutgoingPhase.Performed, "m-3");
            var (stopped, gone) = await driver.RecoverOutgoingAsync("m-3", MigrationOutcome.RunningOnDestination, cancellationToken);
            Assert.That((stopped?.State, stopped?.Reason, gone), Is.EqualTo(((DomainState?)DomainState.Shutoff, (int?)4,
                "the destination runs the guest, so its copy here was stopped (shut off, migrated)")));
            Assert.That(File.Exists(RecordFile), Is.False);
        }
        finally
        {
            if ((await driver.LookupDomainAsync(DomainRef.ByUuid(Uuid), CancellationToken.None)).IsActive)
            {
                await driver.DestroyDomainAsync(DomainRef.ByUuid(Uuid), graceful: false, removeLogs: false, CancellationToken.None);
            }
            await driver.DisposeAsync();
        }
    }

    /// <summary>virtd "restarts" with a source record in <paramref name="phase"/> beside the running guest.</summary>
    private async Task<QemuDomainDriver> RestartWithAsync(QemuDomainDriver driver, OutgoingPhase phase, string id)
    {
        await driver.DisposeAsync();
        Write(new MigrationRecord { Outgoing = true, Id = id, Uuid = Uuid, Name = "web", Peer = "virt+tcp://b/", Phase = phase, WasRunning = true });
        return await OpenAsync();
    }
}
