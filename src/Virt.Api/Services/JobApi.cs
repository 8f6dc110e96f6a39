using Grpc.Core;
using Virt.Driver;
using Virt.Driver.Jobs;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>
/// virt.v1.JobService over the <see cref="JobRegistry"/> the drivers start their jobs in. Reads never wait for a job;
/// WatchJob and WaitJob follow one without ever cancelling it. <paramref name="runsJobs"/> is false for a driver that
/// runs no domain jobs (libvirt's test driver): domjobinfo and domjobabort then answer as libvirt's test driver does.
/// </summary>
internal sealed class JobApi(JobRegistry jobs, IDomainDriver domains, bool runsJobs, CancellationToken stopping) : JobService.JobServiceBase
{
    private static readonly TimeSpan _defaultWatchInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan _minimumWatchInterval = TimeSpan.FromMilliseconds(100);

    public override Task<Job> GetJob(GetJobRequest request, ServerCallContext context) =>
        Task.FromResult(JobConversion.Job(jobs.Get(JobId(request.JobId))));

    public override async Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        if (request.PageSize < 0)
        {
            throw ApiErrors.InvalidArgument("page_size", "page_size must be 0 (everything) or a positive number of jobs.");
        }
        HashSet<Guid> uuids = [];
        foreach (var reference in request.Domains)
        {
            uuids.Add((await domains.LookupDomainAsync(Requests.Domain(reference, "domains"), context.CancellationToken).ConfigureAwait(false)).Uuid);
        }
        var states = request.States.Select(s => s == Virt.Protocol.V1.JobState.Unspecified
            ? throw ApiErrors.InvalidArgument("states", "states holds JOB_STATE_UNSPECIFIED; name the states to list, or leave it empty for all.")
            : (Virt.Driver.Jobs.JobState)(int)s).ToHashSet();
        var operations = request.Operations.Select(o => (Virt.Driver.Jobs.JobOperation)(int)o).ToHashSet();
        var matching = jobs.List().Where(j =>
            (uuids.Count == 0 || j.Domain is { } d && uuids.Contains(d.Uuid))
            && (states.Count == 0 || states.Contains(j.State))
            && (operations.Count == 0 || operations.Contains(j.Operation)));
        if (request.PageToken.Length > 0)
        {
            // The token is the id of the last job sent; ids sort in creation order, newest first here.
            var lastId = request.PageToken;
            matching = matching.Where(j => string.CompareOrdinal(j.Id, lastId) < 0);
        }
        var list = matching.ToList();
        var response = new ListJobsResponse();
        var page = request.PageSize == 0 ? list : list.Take(request.PageSize).ToList();
        response.Jobs.AddRange(page.Select(JobConversion.Job));
        if (page.Count < list.Count)
        {
            var last = page[^1];
            response.NextPageToken = last.Id;
        }
        return response;
    }

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<WatchJobResponse> responseStream, ServerCallContext context)
    {
        var id = JobId(request.JobId);
        var interval = _defaultWatchInterval;
        if (request.MinInterval is { } asked)
        {
            if (asked.Seconds < 0 || asked.Nanos < 0)
            {
                throw ApiErrors.InvalidArgument("min_interval", "min_interval must be a non-negative duration.");
            }
            interval = TimeSpan.FromTicks(Math.Max(asked.ToTimeSpan().Ticks, _minimumWatchInterval.Ticks));
        }
        jobs.Get(id);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        await foreach (var job in jobs.WatchAsync(id, interval, end.Token).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(new WatchJobResponse { Job = JobConversion.Job(job) }).ConfigureAwait(false);
        }
    }

    public override async Task<Job> WaitJob(WaitJobRequest request, ServerCallContext context)
    {
        var id = JobId(request.JobId);
        return JobConversion.Job(await jobs.WaitAsync(id, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<Job> CancelJob(CancelJobRequest request, ServerCallContext context)
    {
        Requests.Unsupported(request.Postcopy, "postcopy", "interrupting a post-copy migration (no job here runs post-copy)");
        JobInfo cancelled;
        switch (request.TargetCase)
        {
            case CancelJobRequest.TargetOneofCase.JobId:
                cancelled = jobs.Cancel(JobId(request.JobId));
                break;
            case CancelJobRequest.TargetOneofCase.Domain:
                var domain = await domains.LookupDomainAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false);
                if (!runsJobs)
                {
                    throw NotSupported("virDomainAbortJob");
                }
                cancelled = jobs.CancelActiveOn(domain.Uuid, domain.Name);
                break;
            default:
                throw ApiErrors.InvalidArgument("target", "The request names no job: set job_id, or domain for the job running on it.");
        }
        if (request.Wait)
        {
            cancelled = await jobs.WaitAsync(cancelled.Id, context.CancellationToken).ConfigureAwait(false);
        }
        return JobConversion.Job(cancelled);
    }

    public override async Task<GetDomainJobInfoResponse> GetDomainJobInfo(GetDomainJobInfoRequest request, ServerCallContext context)
    {
        var domain = await domains.LookupDomainAsync(Requests.Domain(request.Domain), context.CancellationToken).ConfigureAwait(false);
        if (!runsJobs)
        {
            throw NotSupported(request.Completed || request.KeepCompleted ? "virDomainGetJobStats" : "virDomainGetJobInfo");
        }
        if (request.KeepCompleted && !request.Completed)
        {
            throw ApiErrors.InvalidArgument("keep_completed", "keep_completed applies to completed statistics: set completed too.");
        }
        if (request.Completed)
        {
            return jobs.LastCompletedOn(domain.Uuid, request.KeepCompleted) is { } completed
                ? new GetDomainJobInfoResponse
                {
                    Type = completed.State switch
                    {
                        Virt.Driver.Jobs.JobState.Succeeded => DomainJobType.Completed,
                        Virt.Driver.Jobs.JobState.Cancelled => DomainJobType.Cancelled,
                        _ => DomainJobType.Failed,
                    },
                    Operation = (Virt.Protocol.V1.JobOperation)(int)completed.Operation,
                    Stats = JobConversion.Progress(completed.Result?.FinalStats ?? completed.Progress),
                    JobId = completed.Id,
                    Success = completed.State == Virt.Driver.Jobs.JobState.Succeeded,
                    ErrorMessage = completed.Error?.Message ?? "",
                }
                : new GetDomainJobInfoResponse { Type = DomainJobType.None };
        }
        if (jobs.ActiveOn(domain.Uuid) is { } active)
        {
            return new GetDomainJobInfoResponse
            {
                // libvirt calls a job bounded when it can say how long it has left.
                Type = active.Progress.Remaining is null ? DomainJobType.Unbounded : DomainJobType.Bounded,
                Operation = (Virt.Protocol.V1.JobOperation)(int)active.Operation,
                Stats = JobConversion.Progress(active.Progress),
                JobId = active.Id,
            };
        }
        if (!domain.IsActive)
        {
            throw VirtException.OperationInvalid(domain.Name, "domjobinfo", domain.State, "domain is not running");
        }
        return new GetDomainJobInfoResponse { Type = DomainJobType.None };
    }

    private static string JobId(string id) =>
        id.Length > 0 ? id : throw ApiErrors.InvalidArgument("job_id", "job_id is empty; give the id of a job (Job.id, or ListJobs).");

    private static VirtException NotSupported(string api) =>
        new(VirtErrorReason.OperationUnsupported, $"this function is not supported by the connection driver: {api}",
            new Dictionary<string, string> { ["operation"] = api });
}
