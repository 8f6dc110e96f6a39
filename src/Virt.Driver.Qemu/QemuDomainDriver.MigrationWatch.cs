using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Virt.Driver.Qemu;

/// <summary>
/// The one wait on a QEMU migration stream, shared by save, managed save, restore and migrate's Perform (and their
/// clean-ups after a cancel). QEMU announces every status change with a MIGRATION event once the <c>events</c>
/// capability is on (libvirt turns it on too); the worker passes the event on and the wait wakes at once, so the end
/// of a stream is seen when QEMU says so, not up to a poll later. Between events, query-migrate is read every
/// <see cref="_migrationPollInterval"/> for the job's progress.
/// </summary>
public sealed partial class QemuDomainDriver
{
    private static readonly TimeSpan _migrationPollInterval = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan _incomingLandTimeout = TimeSpan.FromSeconds(30);

    /// <summary>query-migrate's statuses while a stream is still moving (or being torn down).</summary>
    private static bool IsMigrationActive(string? status) =>
        status is "setup" or "active" or "cancelling" or "device" or "pre-switchover" or "postcopy-active" or "wait-unplug";

    /// <summary>Asks QEMU for a MIGRATION event at each status change of its next stream.</summary>
    private async Task EnableMigrationEventsAsync(Guid uuid, CancellationToken cancellationToken) =>
        await ExecuteQmpAsync(uuid, "migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "events", ["state"] = true }),
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reads query-migrate until <paramref name="done"/> holds for its status (by default: completed, failed or
    /// cancelled) and returns that answer; <paramref name="progress"/> sees every other one. With a
    /// <paramref name="limit"/>, gives up after it and returns the last answer.
    /// </summary>
    private async Task<JsonObject?> WatchMigrationAsync(Guid uuid, RunningGuest guest, Func<JsonObject?, TimeSpan, Task>? progress, CancellationToken cancellationToken,
        Func<string?, bool>? done = null, TimeSpan? limit = null)
    {
        done ??= static status => status is "completed" or "failed" or "cancelled";
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var changed = guest.NextMigrationEvent;
            var info = await ExecuteQmpAsync(uuid, "query-migrate", null, cancellationToken).ConfigureAwait(false) as JsonObject;
            if (done(info?["status"]?.GetValue<string>()) || clock.Elapsed > limit)
            {
                return info;
            }
            if (progress is not null)
            {
                await progress(info, clock.Elapsed).ConfigureAwait(false);
            }
            // The next event, the next progress read, or the guest gone (QEMU exits when an incoming stream fails).
            await Task.WhenAny(changed, guest.Stopped, Task.Delay(_migrationPollInterval, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Until an incoming stream (a migration's destination, a restore) has landed: QEMU has left "inmigrate", so cont is
    /// accepted. query-migrate says completed a moment before that, and a migration's Finish usually arrives while the
    /// last pass is still loading; QEMU's MIGRATION event "completed", sent once the run state has changed (the events
    /// capability is on for every incoming stream), wakes the wait then, instead of up to a poll later. The slow poll
    /// is only a fallback for an event that never comes. Throws <paramref name="tooLong"/>(state) after 30 s; returns
    /// what woke the last wait (null: QEMU was already out at the first read) and how long it took.
    /// </summary>
    private async Task<(string? WokenBy, TimeSpan Waited)> WaitIncomingLandedAsync(Guid uuid, Func<string?, VirtException> tooLong, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var guest = _running.GetValueOrDefault(uuid);
        string? wokenBy = null;
        while (true)
        {
            var changed = guest?.NextMigrationEvent;
            var status = await ExecuteQmpAsync(uuid, "query-status", null, cancellationToken).ConfigureAwait(false);
            var state = status?["status"]?.GetValue<string>();
            if (state is not ("inmigrate" or "finish-migrate" or "restore-vm"))
            {
                return (wokenBy, waited.Elapsed);
            }
            if (waited.Elapsed > _incomingLandTimeout)
            {
                throw tooLong(state);
            }
            var poll = Task.Delay(_options.IncomingFallbackPoll, cancellationToken);
            // The next event, the poll, or the guest gone (QEMU exits when an incoming stream fails; the read then says so).
            var woke = guest is null || changed is null ? await Task.WhenAny(poll).ConfigureAwait(false) : await Task.WhenAny(changed, guest.Stopped, poll).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            wokenBy = woke == changed ? "QEMU's MIGRATION event" : woke == poll ? "the fallback poll" : "the guest's exit";
        }
    }
}
