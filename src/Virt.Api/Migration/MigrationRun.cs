using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using DriverOutcome = Virt.Driver.MigrationOutcome;

namespace Virt.Api;

/// <summary>
/// One migration driven from the source (peer to peer; src/Virt.Driver.Qemu/MIGRATION.md): Begin and Perform and
/// Confirm on the local driver, Prepare and Finish on the destination daemon. The source keeps (and, if it paused it,
/// resumes) the guest on every failure before Finish; from Finish on the destination's recorded outcome decides and
/// the run is no longer cancellable.
/// </summary>
internal sealed class MigrationRun(IDomainMigration migration, Func<string, CancellationToken, Task<MigrationPeerConnection>> connectPeer)
{
    private const uint ProtocolVersion = 1;
    private const int FinishAttempts = 3;

    /// <summary>
    /// Begin on the local driver: takes the domain for the migration. What fails here (no such domain, not running,
    /// another job holds it) is an error of the call; the job starts only once Begin has succeeded.
    /// </summary>
    public Task<OutgoingMigration> BeginAsync(Virt.Driver.DomainRef domain, MigrationSettings settings, CancellationToken cancellationToken) =>
        migration.BeginOutgoingAsync(domain, settings, cancellationToken);

    /// <summary>
    /// Prepare, Perform, Finish and Confirm for a migration Begin has started. <paramref name="cancellationToken"/>
    /// (domjobabort) is honoured until Perform has completed; then <paramref name="pastCancelling"/> is called: from
    /// Finish on, the destination's recorded outcome decides.
    /// </summary>
    public async Task<(Virt.Driver.DomainSummary Destination, MigrationStats Stats)> RunAsync(
        OutgoingMigration outgoing, string destination, MigrationOptions options, IProgress<MigrationStats>? progress, Action? pastCancelling, CancellationToken cancellationToken)
    {
        MigrationPeerConnection? peer = null;
        try
        {
            PrepareMigrationResponse prepared;
            try
            {
                progress?.Report(new MigrationStats { Phase = "prepare" });
                peer = await connectPeer(destination, cancellationToken).ConfigureAwait(false);
                prepared = await peer.Client.PrepareMigrationAsync(new PrepareMigrationRequest
                {
                    ProtocolVersion = ProtocolVersion,
                    MigrationId = outgoing.Id,
                    DomainXml = outgoing.Xml,
                    Options = options,
                    Source = MigrationConversion.Source(outgoing.Facts),
                }, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or VirtException or OperationCanceledException)
            {
                // Nothing runs on the destination (an aborted Prepare removes what it created; should the abort have
                // crossed its answer, Finish(cancelled) removes it): the source keeps the guest, untouched.
                if (peer is not null && cancellationToken.IsCancellationRequested)
                {
                    await FinishQuietlyAsync(peer, outgoing.Id, destination).ConfigureAwait(false);
                }
                await migration.ConfirmOutgoingAsync(outgoing.Id, DriverOutcome.Cancelled, CancellationToken.None).ConfigureAwait(false);
                throw e is RpcException rpc ? MigrationConversion.FromPeer(rpc, destination) : e;
            }

            MigrationStats stats;
            try
            {
                stats = await migration.PerformOutgoingAsync(outgoing.Id, prepared.IncomingUri, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is VirtException or OperationCanceledException)
            {
                // The source has cancelled QEMU's stream and resumed its guest; the destination kills its copy.
                await FinishQuietlyAsync(peer, outgoing.Id, destination).ConfigureAwait(false);
                await migration.ConfirmOutgoingAsync(outgoing.Id, DriverOutcome.Cancelled, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            pastCancelling?.Invoke();
            progress?.Report(stats with { Phase = "finish" });
            var finished = await FinishAsync(peer, outgoing.Id, cancelled: false, stats, destination).ConfigureAwait(false);
            var outcome = MigrationConversion.Outcome(finished.Outcome);
            await migration.ConfirmOutgoingAsync(outgoing.Id, outcome, CancellationToken.None).ConfigureAwait(false);
            if (outcome != DriverOutcome.RunningOnDestination)
            {
                var why = finished.CancelReason?.Message is { Length: > 0 } reason ? reason : "it could not resume the guest";
                throw new VirtException(VirtErrorReason.MigrationFailed,
                    $"The destination {destination} cancelled the migration of domain '{outgoing.Domain.Name}' ({why}); the domain keeps running on this host.",
                    new Dictionary<string, string> { ["domain"] = outgoing.Domain.Name, ["destination"] = destination });
            }
            var arrived = outgoing.Domain with { Id = finished.Domain?.Id ?? -1 };
            return (arrived, stats);
        }
        finally
        {
            if (peer is not null)
            {
                await peer.Lifetime.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Finish(cancelled): the destination kills its paused copy and removes its transient definition.</summary>
    private static async Task FinishQuietlyAsync(MigrationPeerConnection peer, string id, string destination)
    {
        try
        {
            await FinishAsync(peer, id, cancelled: true, null, destination).ConfigureAwait(false);
        }
        catch (VirtException)
        {
            // Unknown id (Prepare never got that far), or unreachable: the destination's finish timeout removes its
            // paused copy; it never ran the guest.
        }
    }

    /// <summary>
    /// Finish, retried when its answer is lost: the destination records one outcome per migration id and returns it
    /// again, so a retry can never make both sides run the guest.
    /// </summary>
    private static async Task<FinishMigrationResponse> FinishAsync(MigrationPeerConnection peer, string id, bool cancelled, MigrationStats? stats, string destination)
    {
        var request = new FinishMigrationRequest { MigrationId = id, Cancelled = cancelled };
        if (stats is not null)
        {
            request.Stats = MigrationConversion.Progress(stats);
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await peer.Client.FinishMigrationAsync(request, cancellationToken: CancellationToken.None).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (attempt < FinishAttempts && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), CancellationToken.None).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw MigrationConversion.FromPeer(e, destination);
            }
        }
    }
}
