using Grpc.Core;
using Virt.Driver;
using Virt.Driver.Jobs;
using Virt.Protocol.V1;
using DriverOutcome = Virt.Driver.MigrationOutcome;

namespace Virt.Api;

/// <summary>
/// A restarted source daemon settles the outgoing migrations its previous run left unfinished
/// (src/Virt.Driver.Qemu/MIGRATION.md, "A restart during a migration"; libvirt's qemuProcessRecoverMigrationOut). Each
/// becomes a MIGRATION_OUT job on its domain that asks the destination for Finish(cancelled) with a short timeout (the
/// destination removes its paused copy, or answers the outcome it recorded), lets the driver settle the guest with
/// the answer, and fails saying what happened, so <c>domjobinfo --completed</c> tells the operator; it succeeds only
/// when the destination already runs the guest.
/// </summary>
internal static class MigrationRecovery
{
    private static readonly TimeSpan _peerTimeout = TimeSpan.FromSeconds(5);
    private const int AttemptsWhenItDecides = 3;

    public static void Start(IDomainMigration migration, Func<string, CancellationToken, Task<MigrationPeerConnection>>? connectPeer, JobRegistry jobs)
    {
        foreach (var interrupted in migration.InterruptedMigrations)
        {
            var destination = interrupted.Destination.Length > 0 ? interrupted.Destination : "an unrecorded destination";
            var start = new JobStart(Virt.Driver.Jobs.JobOperation.MigrationOut, $"recover the migration of {interrupted.Name} to {destination}")
            {
                Domain = new JobDomain(interrupted.Name, interrupted.Uuid),
            };
            jobs.Run(start, async handle =>
            {
                // The outcome belongs to the recorded state and the destination's answer now; nothing to abort.
                handle.SetCancellable(false);
                var answer = interrupted.Outcome != DriverOutcome.Unspecified ? interrupted.Outcome
                    : await AskDestinationAsync(interrupted, connectPeer).ConfigureAwait(false);
                var (domain, done) = await migration.RecoverOutgoingAsync(interrupted.Id, answer, CancellationToken.None).ConfigureAwait(false);
                if (answer == DriverOutcome.RunningOnDestination)
                {
                    return new Virt.Driver.Jobs.JobResult { Domain = domain is null ? new JobDomain(interrupted.Name, interrupted.Uuid) : JobDomain.Of(domain) };
                }
                var phase = interrupted.Phase.ToString().ToLowerInvariant();
                throw new VirtException(VirtErrorReason.MigrationFailed,
                    $"The migration of domain '{interrupted.Name}' to {destination} was interrupted by a restart of virtd (phase {phase}): {done}.",
                    new Dictionary<string, string> { ["domain"] = interrupted.Name, ["migration"] = interrupted.Id, ["destination"] = interrupted.Destination, ["phase"] = phase });
            });
        }
    }

    /// <summary>
    /// Finish on the destination, as cancelled: it kills its paused copy and records CANCELLED, or answers the outcome
    /// it recorded before (Finish is idempotent per migration id). Unspecified when it cannot be asked. Should the
    /// source's QEMU be gone after it completed the stream, the destination's copy is the only one left: Finish then
    /// asks it to run the guest instead.
    /// </summary>
    private static async Task<DriverOutcome> AskDestinationAsync(InterruptedMigration interrupted, Func<string, CancellationToken, Task<MigrationPeerConnection>>? connectPeer)
    {
        if (connectPeer is null || interrupted.Destination.Length == 0)
        {
            return DriverOutcome.Unspecified;
        }
        var cancelled = !(interrupted.GuestGone && interrupted.Phase >= OutgoingPhase.Performed);
        // Before QEMU completed, the answer changes nothing here (the guest resumes anyway): one try. After, only the
        // destination's CANCELLED lets the guest resume: a few.
        var attempts = interrupted.Phase >= OutgoingPhase.Performed ? AttemptsWhenItDecides : 1;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            using var budget = new CancellationTokenSource(_peerTimeout);
            MigrationPeerConnection? peer = null;
            try
            {
                peer = await connectPeer(interrupted.Destination, budget.Token).ConfigureAwait(false);
                var finished = await peer.Client.FinishMigrationAsync(new FinishMigrationRequest { MigrationId = interrupted.Id, Cancelled = cancelled },
                    deadline: DateTime.UtcNow + _peerTimeout, cancellationToken: budget.Token).ResponseAsync.ConfigureAwait(false);
                return MigrationConversion.Outcome(finished.Outcome);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                // The destination knows no such migration: Prepare never got that far, or its recorded outcome has
                // expired (MIGRATION.md). Not proof that it does not run the guest: unknown.
                return DriverOutcome.Unspecified;
            }
            catch (Exception e) when (e is RpcException or VirtException or OperationCanceledException or IOException)
            {
                // Unreachable or too slow: try again, or leave the decision to the recorded phase.
            }
            finally
            {
                if (peer is not null)
                {
                    await peer.Lifetime.DisposeAsync().ConfigureAwait(false);
                }
            }
            if (attempt < attempts)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), CancellationToken.None).ConfigureAwait(false);
            }
        }
        return DriverOutcome.Unspecified;
    }
}
