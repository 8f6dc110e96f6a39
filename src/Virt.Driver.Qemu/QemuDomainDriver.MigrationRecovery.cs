using System.Collections.Concurrent;
using Virt.Driver.Jobs;
using Virt.Vmm.Protocol;

namespace Virt.Driver.Qemu;

/// <summary>
/// A restart of virtd during a migration (MIGRATION.md, "A restart during a migration"), libvirt's
/// qemuProcessRecoverMigrationOut/In. Each phase that changes what a restarted virtd must do is recorded in
/// <c>RUN/qemu/UUID.migration</c> (<see cref="MigrationRecord"/>). Opening the driver reads the records: an unfinished
/// incoming migration is settled at once (its paused copy killed), an outgoing one waits for
/// <see cref="RecoverOutgoingAsync"/>, which the API calls with the destination's answer to Finish(cancelled).
/// </summary>
public sealed partial class QemuDomainDriver
{
    private readonly ConcurrentDictionary<string, MigrationRecord> _interrupted = new(StringComparer.Ordinal);

    public IReadOnlyList<InterruptedMigration> InterruptedMigrations =>
        [.. _interrupted.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r =>
            new InterruptedMigration(r.Id, r.Name, r.Uuid, r.Peer, r.Phase, r.Outcome, GuestGone: !_running.ContainsKey(r.Uuid)))];

    public async Task<(DomainSummary? Domain, string Done)> RecoverOutgoingAsync(string migrationId, MigrationOutcome destinationOutcome, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(migrationId);
        if (!_interrupted.TryGetValue(migrationId, out var record))
        {
            throw new VirtException(VirtErrorReason.InvalidArgument, $"No interrupted migration with id '{migrationId}' is waiting on this host.",
                new Dictionary<string, string> { ["migration"] = migrationId });
        }
        var outcome = record.Outcome != MigrationOutcome.Unspecified ? record.Outcome : destinationOutcome;
        string done;
        if (!Volatile.Read(ref _snapshot).ByUuid.TryGetValue(record.Uuid, out var found) || !found.IsActive || !_running.ContainsKey(record.Uuid))
        {
            done = "its QEMU is gone on this host";
        }
        else
        {
            using var job = await BeginAsync(found.Uuid, found.Name, "recover the migration of", defining: false, cancellationToken).ConfigureAwait(false);
            done = await SettleOutgoingAsync(record, outcome).ConfigureAwait(false);
        }
        DeleteMigrationRecord(record.Uuid);
        _interrupted.TryRemove(migrationId, out _);
        MigrationLog.Recovered(_logger, migrationId, record.Name, record.Phase, outcome, done);
        return (Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(record.Uuid), done);
    }

    /// <summary>The guest still runs here: stop QEMU's stream, then kill or resume it as the outcome says (one side runs it).</summary>
    private async Task<string> SettleOutgoingAsync(MigrationRecord record, MigrationOutcome outcome)
    {
        var current = Find(Volatile.Read(ref _snapshot), DomainRef.ByUuid(record.Uuid));
        if (record.Phase < OutgoingPhase.Confirm)
        {
            try
            {
                await ExecuteQmpAsync(record.Uuid, "migrate_cancel", null, CancellationToken.None).ConfigureAwait(false);
                if (_running.TryGetValue(record.Uuid, out var streaming))
                {
                    await WatchMigrationAsync(record.Uuid, streaming, null, CancellationToken.None, done: status => !IsMigrationActive(status), limit: TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                }
            }
            catch (VirtException e)
            {
                MigrationLog.Failed(_logger, record.Id, record.Name, "recovery's cancel", e.Message);
            }
        }
        var latest = Latest(current);
        if (!latest.IsActive || !_running.TryGetValue(record.Uuid, out var guest))
        {
            return "its QEMU is gone on this host";
        }
        if (outcome == MigrationOutcome.RunningOnDestination)
        {
            // What Confirm would have done: the destination runs the guest, so this copy must never run again.
            guest.MigratedAway = true;
            await KillAsync(guest, latest, graceful: false, CancellationToken.None).ConfigureAwait(false);
            return "the destination runs the guest, so its copy here was stopped (shut off, migrated)";
        }
        // Before Finish could be asked (QEMU had not completed) the destination cannot have resumed the guest, so its
        // answer is not needed; after, only its recorded CANCELLED lets this side resume.
        if (outcome == MigrationOutcome.Cancelled || record.Phase <= OutgoingPhase.Perform)
        {
            if (latest.State == DomainState.Paused && (record.WasRunning || record.PausedBySelf))
            {
                await ControlAsync(guest, latest, ControlAction.Cont, CancellationToken.None).ConfigureAwait(false);
                return "QEMU's stream was cancelled and the guest resumed on this host";
            }
            return "QEMU's stream was cancelled and the guest keeps running on this host";
        }
        return "QEMU had completed the stream and the destination's outcome is unknown, so the guest stays paused here; resume it only after making sure the destination does not run it";
    }

    /// <summary>Reads every migration record left in the run directory (before the guests are reconnected).</summary>
    private List<MigrationRecord> LoadMigrationRecords()
    {
        var records = new List<MigrationRecord>();
        if (!Directory.Exists(_options.GuestRunDirectory))
        {
            return records;
        }
        foreach (var file in Directory.EnumerateFiles(_options.GuestRunDirectory, "*" + MigrationRecord.Extension))
        {
            MigrationRecord? record = null;
            try
            {
                record = MigrationRecord.Parse(File.ReadAllText(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                QemuDriverLog.StateFileUnreadable(_logger, file, e.Message);
            }
            if (record is null || Path.GetFileNameWithoutExtension(file) != record.Uuid.ToString("D"))
            {
                QemuDriverLog.StateFileUnreadable(_logger, file, "it is not a migration record");
                File.Delete(file);
                continue;
            }
            records.Add(record);
        }
        return records;
    }

    /// <summary>
    /// After the guests are reconnected: an incoming migration that Finish had not started (or whose guest does not
    /// run yet) is given up, as libvirt does: its paused copy is killed, so the transient domain goes, and CANCELLED
    /// is what a later Finish from the source gets. Outgoing ones wait for <see cref="RecoverOutgoingAsync"/>.
    /// </summary>
    private async Task RecoverMigrationsAsync(List<MigrationRecord> records)
    {
        foreach (var record in records)
        {
            if (record.Outgoing)
            {
                _interrupted[record.Id] = record;
                MigrationLog.Interrupted(_logger, record.Id, record.Name, record.Phase);
                continue;
            }
            var current = Volatile.Read(ref _snapshot).ByUuid.GetValueOrDefault(record.Uuid);
            var outcome = MigrationOutcome.Cancelled;
            if (current is { IsActive: true } && _running.TryGetValue(record.Uuid, out var guest))
            {
                if (record.Finishing && current.State == DomainState.Running)
                {
                    // Finish had resumed the guest here: it runs on this host now (the source learns it from Finish).
                    outcome = MigrationOutcome.RunningOnDestination;
                }
                else
                {
                    await KillAsync(guest, current, graceful: false, CancellationToken.None).ConfigureAwait(false);
                }
            }
            await _outcomes.RecordAsync(record.Id, record.Uuid, record.Name, outcome).ConfigureAwait(false);
            DeleteMigrationRecord(record.Uuid);
            MigrationLog.Outcome(_logger, record.Id, record.Name, "incoming, after a restart:", outcome);
            if (outcome == MigrationOutcome.Cancelled)
            {
                var start = new JobStart(JobOperation.MigrationIn, $"incoming migration of {record.Name} ({record.Id})") { Domain = new JobDomain(record.Name, record.Uuid) };
                _jobs.Run(start, _ => throw new VirtException(VirtErrorReason.MigrationFailed,
                    $"The incoming migration of domain '{record.Name}' was interrupted by a restart of virtd before it finished; its paused copy was removed from this host.",
                    new Dictionary<string, string> { ["domain"] = record.Name, ["migration"] = record.Id }));
            }
        }
    }

    /// <summary>Records how far a migration got; a record that cannot be written is logged (the migration goes on).</summary>
    private void SaveMigrationRecord(MigrationRecord record)
    {
        try
        {
            _migrationRecords.Save(record.Uuid.ToString("D"), record.Format());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            MigrationLog.Failed(_logger, record.Id, record.Name, "recording its phase", e.Message);
        }
    }

    private void SaveMigrationRecord(Outgoing outgoing, OutgoingPhase phase, MigrationOutcome outcome = MigrationOutcome.Unspecified)
    {
        if (outgoing.Settings.Offline)
        {
            // Only the definition moves: there is no guest to recover.
            return;
        }
        SaveMigrationRecord(new MigrationRecord
        {
            Outgoing = true,
            Id = outgoing.Id,
            Uuid = outgoing.Uuid,
            Name = outgoing.Name,
            Peer = outgoing.Settings.Destination,
            Phase = phase,
            WasRunning = outgoing.WasRunning,
            PausedBySelf = outgoing.PausedBySelf,
            Outcome = outcome,
        });
    }

    private void DeleteMigrationRecord(Guid uuid)
    {
        try
        {
            File.Delete(Path.Combine(_options.GuestRunDirectory, uuid.ToString("D") + MigrationRecord.Extension));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            QemuDriverLog.CleanupFailed(_logger, uuid, e.Message);
        }
    }
}
