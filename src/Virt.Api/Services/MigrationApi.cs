using Grpc.Core;
using Virt.Driver;
using Virt.Driver.Jobs;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// virt.v1.MigrationService: virsh migrate and its tunables, on the source daemon. The migration itself is a
/// <see cref="MigrationRun"/> run as a MIGRATION_OUT job in the registry (domjobinfo shows it, domjobabort cancels it);
/// this class checks the request, runs Begin as part of the call and answers with the job.
/// </summary>
internal sealed class MigrationApi(IDomainDriver domains, IDomainMigration migration, Func<string, CancellationToken, Task<MigrationPeerConnection>>? connectPeer, JobRegistry jobs)
    : MigrationService.MigrationServiceBase
{
    public override async Task<Job> MigrateDomain(MigrateDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var destination = request.DestinationUri;
        // Recorded with the migration: a restarted virtd tells this destination to give up its copy.
        var settings = MigrationConversion.Settings(request.Options) with { Destination = destination };
        if (!destination.StartsWith("virt+tcp://", StringComparison.Ordinal))
        {
            throw ApiErrors.InvalidArgument("destination_uri",
                $"'{destination}' is not a peer daemon's URI; migration goes to virt+tcp://HOST[:PORT]/ (the destination's --listen-peer endpoint).");
        }
        if (connectPeer is null)
        {
            throw ApiErrors.Unsupported("destination_uri", "this daemon cannot reach peer daemons, so it cannot migrate domains.");
        }
        await domains.LookupDomainAsync(reference, context.CancellationToken).ConfigureAwait(false);
        var run = new MigrationRun(migration, connectPeer);
        var options = request.Options ?? new MigrationOptions();
        // Begin's failures (not running, busy) are the call's; from here on they are the job's.
        var outgoing = await run.BeginAsync(reference, settings, context.CancellationToken).ConfigureAwait(false);
        var source = JobDomain.Of(outgoing.Domain);
        var start = new JobStart(Virt.Driver.Jobs.JobOperation.MigrationOut, $"migrate {source.Name} to {destination}") { Domain = source };
        var job = jobs.Run(start, async handle =>
        {
            var progress = new ReportProgress(stats => handle.Report(stats.ToJobProgress()));
            var (arrived, stats) = await run.RunAsync(outgoing, destination, options, progress, () => handle.SetCancellable(false), handle.CancellationToken).ConfigureAwait(false);
            return new Virt.Driver.Jobs.JobResult { Domain = JobDomain.Of(arrived), FinalStats = stats.ToJobProgress() with { Phase = "completed" } };
        });
        return JobConversion.Job(request.Wait ? await jobs.WaitForSuccessAsync(job.Id, context.CancellationToken).ConfigureAwait(false) : job);
    }

    public override async Task<GetMigrationMaxDowntimeResponse> GetMigrationMaxDowntime(GetMigrationMaxDowntimeRequest request, ServerCallContext context) =>
        new() { MaxDowntimeMs = await migration.GetMaxDowntimeAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false) };

    public override async Task<SetMigrationMaxDowntimeResponse> SetMigrationMaxDowntime(SetMigrationMaxDowntimeRequest request, ServerCallContext context)
    {
        await migration.SetMaxDowntimeAsync(Requests.Domain(request.Domain), request.MaxDowntimeMs, context.CancellationToken).ConfigureAwait(false);
        return new SetMigrationMaxDowntimeResponse();
    }

    public override async Task<GetMigrationMaxSpeedResponse> GetMigrationMaxSpeed(GetMigrationMaxSpeedRequest request, ServerCallContext context)
    {
        Requests.Unsupported(request.Postcopy, "postcopy", "the post-copy bandwidth (--postcopy)");
        return new() { BandwidthMibS = await migration.GetMaxSpeedAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false) };
    }

    public override async Task<SetMigrationMaxSpeedResponse> SetMigrationMaxSpeed(SetMigrationMaxSpeedRequest request, ServerCallContext context)
    {
        Requests.Unsupported(request.Postcopy, "postcopy", "the post-copy bandwidth (--postcopy)");
        await migration.SetMaxSpeedAsync(Requests.Domain(request.Domain), request.BandwidthMibS, context.CancellationToken).ConfigureAwait(false);
        return new SetMigrationMaxSpeedResponse();
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    private sealed class ReportProgress(Action<MigrationStats> report) : IProgress<MigrationStats>
    {
        public void Report(MigrationStats value) => report(value);
    }
}
