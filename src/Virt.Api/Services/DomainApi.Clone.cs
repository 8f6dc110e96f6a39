using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>virt-clone (CloneDomain) over <see cref="IDomainCloning"/>.</summary>
internal sealed partial class DomainApi
{
    public override async Task<Job> CloneDomain(CloneDomainRequest request, ServerCallContext context)
    {
        var cloning = driver as IDomainCloning ?? throw ApiErrors.Unsupported("source", $"the {driver.Type} driver cannot clone domains.");
        var source = Requests.Domain(request.Source, "source");
        if (request.NewName.Length == 0)
        {
            throw ApiErrors.InvalidArgument("new_name", "The clone needs a name: set new_name.");
        }
        Requests.Unsupported(request.Reflink, "reflink", "copy-on-write (reflink) copies");
        var disks = new List<DiskCloneChoice>();
        foreach (var disk in request.Disks)
        {
            if (disk.Target.Length == 0)
            {
                throw ApiErrors.InvalidArgument("disks.target", "Each disk choice names its disk by target (vda, sdb, …).");
            }
            if (!System.Enum.IsDefined(disk.Mode))
            {
                throw ApiErrors.InvalidArgument("disks.mode", $"{(int)disk.Mode} is not a clone disk mode.");
            }
            disks.Add(new DiskCloneChoice(disk.Target, (DiskCloneMode)(int)disk.Mode, disk.NewPath.Length == 0 ? null : disk.NewPath));
        }
        var clone = new DomainCloneRequest
        {
            Source = source,
            NewName = request.NewName,
            NewUuid = request.NewUuid.Length == 0 ? null : Requests.Uuid(request.NewUuid, "new_uuid"),
            Disks = disks,
            KeepMacs = request.KeepMacs,
        };
        var original = await driver.LookupDomainAsync(source, context.CancellationToken).ConfigureAwait(false);
        var created = DateTimeOffset.UtcNow;
        CopyProgress? last = null;
        // Jobs (JobService) arrive with their own change: until then the clone runs within this call.
        var cloned = await cloning.CloneDomainAsync(clone, new SynchronousProgress<CopyProgress>(p => last = p), CancellationToken.None).ConfigureAwait(false);
        var progress = new JobProgress { Phase = "completed", Elapsed = Duration.FromTimeSpan(DateTimeOffset.UtcNow - created) };
        if (last is not null)
        {
            progress.DataTotalBytes = last.TotalBytes;
            progress.DataProcessedBytes = last.ProcessedBytes;
            progress.DataRemainingBytes = last.TotalBytes - Math.Min(last.TotalBytes, last.ProcessedBytes);
        }
        return new Job
        {
            Id = "clone-" + Guid.NewGuid().ToString("N"),
            Operation = JobOperation.Clone,
            State = JobState.Succeeded,
            Domain = ToProto.Identity(original),
            Description = $"clone {original.Name} as {cloned.Name}",
            CreateTime = Timestamp.FromDateTimeOffset(created),
            StartTime = Timestamp.FromDateTimeOffset(created),
            EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Progress = progress,
            Result = new JobResult { Domain = ToProto.Identity(cloned), FinalStats = progress },
        };
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
