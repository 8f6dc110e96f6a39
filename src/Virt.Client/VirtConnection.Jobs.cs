using System.Runtime.CompilerServices;
using Grpc.Core;
using Virt.Protocol.V1;

namespace Virt.Client;

/// <summary>Long-running jobs: domjobinfo, domjobabort, and following a job until it ends.</summary>
public sealed partial class VirtConnection
{
    /// <summary>The generated JobService client.</summary>
    public JobService.JobServiceClient Jobs { get; }

    /// <summary>virsh domjobinfo [--completed [--keep-completed]]: the domain's current job, or its last completed one.</summary>
    /// <param name="domain">Name, id or UUID.</param>
    /// <param name="completed">The statistics of the last completed job instead of the running one.</param>
    /// <param name="keepCompleted">Do not discard those statistics by reading them.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The job type (NONE when there is none), operation and statistics.</returns>
    public Task<GetDomainJobInfoResponse> GetDomainJobInfoAsync(string domain, bool completed = false, bool keepCompleted = false, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Jobs.GetDomainJobInfoAsync(new GetDomainJobInfoRequest { Domain = r, Completed = completed, KeepCompleted = keepCompleted }, cancellationToken: ct));

    /// <summary>virsh domjobabort: cancels the job running on the domain; it ends CANCELLED with the domain as before.</summary>
    /// <param name="domain">Name, id or UUID.</param>
    /// <param name="ct">Cancels the call (never the job's cancellation).</param>
    /// <returns>The job as it was when cancellation was requested.</returns>
    public Task<Job> AbortDomainJobAsync(string domain, CancellationToken ct = default) =>
        ByDomainAsync(domain, r => Jobs.CancelJobAsync(new CancelJobRequest { Domain = r }, cancellationToken: ct));

    /// <summary>Cancels a job by id.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="wait">Return only once it has ended.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The job.</returns>
    public Task<Job> CancelJobAsync(string jobId, bool wait = false, CancellationToken ct = default) =>
        CallAsync(() => Jobs.CancelJobAsync(new CancelJobRequest { JobId = jobId ?? "", Wait = wait }, cancellationToken: ct));

    /// <summary>Blocks until the job has ended and returns it (a failed job is returned, not thrown: read Job.error).</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="ct">Cancels the wait (never the job).</param>
    /// <returns>The ended job.</returns>
    public Task<Job> WaitJobAsync(string jobId, CancellationToken ct = default) =>
        CallAsync(() => Jobs.WaitJobAsync(new WaitJobRequest { JobId = jobId ?? "" }, cancellationToken: ct));

    /// <summary>The job now, then at each state change and on progress at most every <paramref name="minInterval"/>, until it ends.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="minInterval">Least time between two progress-only updates (the server's floor is 100 ms).</param>
    /// <param name="ct">Ends the watch (never the job).</param>
    /// <returns>The job's states; the last one has ended.</returns>
    public async IAsyncEnumerable<Job> WatchJobAsync(string jobId, TimeSpan minInterval, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var call = Jobs.WatchJob(new WatchJobRequest { JobId = jobId ?? "", MinInterval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(minInterval) }, cancellationToken: ct);
        while (true)
        {
            Job job;
            try
            {
                if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    yield break;
                }
                job = call.ResponseStream.Current.Job;
            }
            catch (RpcException e)
            {
                throw VirtClientException.From(e);
            }
            yield return job;
        }
    }
}
