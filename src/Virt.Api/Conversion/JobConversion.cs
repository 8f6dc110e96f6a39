using Google.Protobuf.WellKnownTypes;
using Virt.Driver.Jobs;
using Virt.Protocol.V1;

namespace Virt.Api;

/// <summary>The registry's jobs (<see cref="JobInfo"/>) as virt.v1 messages. Enum numbers are shared, so they pass through.</summary>
internal static class JobConversion
{
    public static Job Job(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var message = new Job
        {
            Id = job.Id,
            Operation = (Virt.Protocol.V1.JobOperation)(int)job.Operation,
            State = (Virt.Protocol.V1.JobState)(int)job.State,
            Description = job.Description,
            CreateTime = Timestamp.FromDateTimeOffset(job.CreateTime),
            Progress = Progress(job.Progress),
            Cancellable = job.Cancellable,
        };
        if (job.Domain is { } domain)
        {
            message.Domain = Identity(domain);
        }
        if (job.Volume is { } volume)
        {
            message.Volume = Identity(volume);
        }
        if (job.StartTime is { } started)
        {
            message.StartTime = Timestamp.FromDateTimeOffset(started);
        }
        if (job.EndTime is { } ended)
        {
            message.EndTime = Timestamp.FromDateTimeOffset(ended);
        }
        if (job.State == Virt.Driver.Jobs.JobState.Succeeded && job.Result is { } result)
        {
            message.Result = new Virt.Protocol.V1.JobResult { Forced = result.Forced, LocalFile = result.LocalFile };
            if (result.Domain is { } resultDomain)
            {
                message.Result.Domain = Identity(resultDomain);
            }
            if (result.Volume is { } resultVolume)
            {
                message.Result.Volume = Identity(resultVolume);
            }
            if (result.FinalStats is { } stats)
            {
                message.Result.FinalStats = Progress(stats);
            }
        }
        else if (job.Error is { } error)
        {
            message.Error = ApiErrors.ToStatus(error);
        }
        return message;
    }

    public static DomainIdentity Identity(JobDomain domain) => new() { Name = domain.Name, Uuid = ToProto.Uuid(domain.Uuid), Id = domain.Id };

    public static VolumeIdentity Identity(JobVolume volume) => new()
    {
        Pool = new PoolIdentity { Name = volume.PoolName, Uuid = ToProto.Uuid(volume.PoolUuid) },
        Name = volume.Name,
        Key = volume.Key,
        Path = volume.Path,
    };

    public static Virt.Protocol.V1.JobProgress Progress(Virt.Driver.Jobs.JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var message = new Virt.Protocol.V1.JobProgress { Phase = progress.Phase ?? "", Elapsed = Duration.FromTimeSpan(progress.Elapsed) };
        if (progress.Remaining is { } remaining)
        {
            message.Remaining = Duration.FromTimeSpan(remaining);
        }
        if (progress.Downtime is { } downtime)
        {
            message.Downtime = Duration.FromTimeSpan(downtime);
        }
        if (progress.SetupTime is { } setup)
        {
            message.SetupTime = Duration.FromTimeSpan(setup);
        }
        Set(progress.DataTotalBytes, v => message.DataTotalBytes = v);
        Set(progress.DataProcessedBytes, v => message.DataProcessedBytes = v);
        Set(progress.DataRemainingBytes, v => message.DataRemainingBytes = v);
        Set(progress.MemoryTotalBytes, v => message.MemoryTotalBytes = v);
        Set(progress.MemoryProcessedBytes, v => message.MemoryProcessedBytes = v);
        Set(progress.MemoryRemainingBytes, v => message.MemoryRemainingBytes = v);
        Set(progress.MemoryBytesPerSecond, v => message.MemoryBytesPerSecond = v);
        Set(progress.MemoryDirtyRatePagesPerSecond, v => message.MemoryDirtyRatePagesPerSecond = v);
        Set(progress.MemoryIteration, v => message.MemoryIteration = v);
        Set(progress.MemoryPageSizeBytes, v => message.MemoryPageSizeBytes = v);
        Set(progress.MemoryConstantPages, v => message.MemoryConstantPages = v);
        Set(progress.MemoryNormalPages, v => message.MemoryNormalPages = v);
        Set(progress.MemoryNormalBytes, v => message.MemoryNormalBytes = v);
        Set(progress.MemoryPostcopyRequests, v => message.MemoryPostcopyRequests = v);
        Set(progress.DiskTotalBytes, v => message.DiskTotalBytes = v);
        Set(progress.DiskProcessedBytes, v => message.DiskProcessedBytes = v);
        Set(progress.DiskRemainingBytes, v => message.DiskRemainingBytes = v);
        Set(progress.DiskBytesPerSecond, v => message.DiskBytesPerSecond = v);
        if (progress.AutoConvergeThrottlePercent is { } throttle)
        {
            message.AutoConvergeThrottlePercent = throttle;
        }
        return message;
    }

    private static void Set(ulong? value, Action<ulong> set)
    {
        if (value is { } v)
        {
            set(v);
        }
    }
}
