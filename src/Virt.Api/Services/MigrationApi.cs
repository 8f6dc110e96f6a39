using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// virt.v1.MigrationService: virsh migrate and its tunables, on the source daemon. The migration itself is a
/// <see cref="MigrationRun"/>; this class checks the request and reports the run as a job.
/// </summary>
internal sealed class MigrationApi(IDomainDriver domains, IDomainMigration migration, Func<string, CancellationToken, Task<MigrationPeerConnection>>? connectPeer)
    : MigrationService.MigrationServiceBase
{
    public override async Task<Job> MigrateDomain(MigrateDomainRequest request, ServerCallContext context)
    {
        var reference = Requests.Domain(request.Domain);
        var settings = MigrationConversion.Settings(request.Options);
        var destination = request.DestinationUri;
        if (!destination.StartsWith("virt+tcp://", StringComparison.Ordinal))
        {
            throw ApiErrors.InvalidArgument("destination_uri",
                $"'{destination}' is not a peer daemon's URI; migration goes to virt+tcp://HOST[:PORT]/ (the destination's --listen-peer endpoint).");
        }
        if (connectPeer is null)
        {
            throw ApiErrors.Unsupported("destination_uri", "this daemon cannot reach peer daemons, so it cannot migrate domains.");
        }
        var source = await domains.LookupDomainAsync(reference, context.CancellationToken).ConfigureAwait(false);
        var created = DateTimeOffset.UtcNow;
        var run = new MigrationRun(migration, connectPeer);
        // Jobs (JobService) arrive with their own change: until then the migration runs within this call and the
        // returned job has ended, as wait = true asks. A cancelled call does not cancel the migration.
        var (arrived, stats) = await run.RunAsync(reference, destination, request.Options ?? new MigrationOptions(), settings, null, CancellationToken.None).ConfigureAwait(false);
        var ended = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return new Job
        {
            Id = "migrate-" + Guid.NewGuid().ToString("N"),
            Operation = JobOperation.MigrationOut,
            State = JobState.Succeeded,
            Domain = ToProto.Identity(source),
            Description = $"migrate {source.Name} to {destination}",
            CreateTime = Timestamp.FromDateTimeOffset(created),
            StartTime = Timestamp.FromDateTimeOffset(created),
            EndTime = ended,
            Progress = MigrationConversion.Progress(stats),
            Result = new JobResult { Domain = ToProto.Identity(arrived), FinalStats = MigrationConversion.Progress(stats) },
        };
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
}
