using System.Globalization;
using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary><c>domjobinfo</c> and <c>domjobabort</c> (virsh-domain.c cmdDomjobinfo, cmdDomjobabort) over JobService.</summary>
internal static class DomainJobCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("domjobinfo", CommandGroup.Domain, "domain job information", "Returns information about jobs running on a domain.",
        [
            Opt.Domain(),
            Opt.Flag("completed", "return statistics of a recently completed job"),
            Opt.Flag("keep-completed", "don't destroy statistics of a recently completed job when reading"),
            Opt.Flag("anystats", "print statistics for any kind of job (even failed ones)"),
            Opt.Flag("rawstats", "print the raw data returned by libvirt"),
        ], JobInfoAsync),
        new("domjobabort", CommandGroup.Domain, "abort active domain job", "Aborts the currently running domain job",
            [Opt.Domain(), Opt.Flag("postcopy", "interrupt post-copy migration")], JobAbortAsync),
    ];

    private static async Task<bool> JobInfoAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        var completed = a.Bool("completed");
        var keep = a.Bool("keep-completed");
        var rawstats = a.Bool("rawstats");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.GetDomainJobInfoResponse reply;
        try
        {
            reply = await connection.GetDomainJobInfoAsync(domain.Domain.Uuid, completed, keep, ct);
        }
        catch (VirtClientException e) when (e.Reason == Proto.ErrorReason.OperationUnsupported && (completed || keep || rawstats))
        {
            // virsh falls back to virDomainGetJobInfo only when no flag asks for more.
            throw VshError.FromClient(e, "Optional flags or --rawstats are not supported by the daemon");
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }

        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("type", TypeName(reply.Type));
                w.WriteString("operation", reply.Operation.ToString());
                w.WriteString("jobId", reply.JobId);
                foreach (var (field, value) in RawStats(reply))
                {
                    w.WriteString(field, value);
                }
            });
            return true;
        }

        if (rawstats)
        {
            c.Print($"Job type: {(int)reply.Type}\n\n");
            foreach (var (field, value) in RawStats(reply))
            {
                c.Print($"{field}: {value}\n");
            }
            return true;
        }

        var info = ToOutput(reply);
        // Statistics of a job that did not complete well are shown only with --anystats (virsh 9).
        var showStats = a.Bool("anystats") || reply.Type is Proto.DomainJobType.Bounded or Proto.DomainJobType.Unbounded
            || completed && reply.Type == Proto.DomainJobType.Completed;
        c.Print(DomainJobInfoFormatter.Format(info, showStats));
        return true;
    }

    private static async Task<bool> JobAbortAsync(CommandContext c, CancellationToken ct)
    {
        if (c.Args.Bool("postcopy"))
        {
            throw VshError.Of("this function is not supported by the connection driver: interrupting a post-copy migration (no job here runs post-copy)");
        }
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.AbortDomainJobAsync(domain.Domain.Uuid, ct);
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteString("result", "aborted");
            });
        }
        return true;
    }

    private static string TypeName(Proto.DomainJobType type) => type switch
    {
        Proto.DomainJobType.Bounded => "bounded",
        Proto.DomainJobType.Unbounded => "unbounded",
        Proto.DomainJobType.Completed => "completed",
        Proto.DomainJobType.Failed => "failed",
        Proto.DomainJobType.Cancelled => "cancelled",
        _ => "none",
    };

    private static ulong Ms(Google.Protobuf.WellKnownTypes.Duration? duration) => duration is null ? 0 : (ulong)Math.Max(0, duration.ToTimeSpan().TotalMilliseconds);

    /// <summary>The reply in the formatter's terms; the operation number is libvirt's (Virt's own ones print as Unknown, MANAGED_SAVE as Save).</summary>
    internal static DomainJobInfo ToOutput(Proto.GetDomainJobInfoResponse reply)
    {
        var s = reply.Stats ?? new Proto.JobProgress();
        var operation = reply.Operation == Proto.JobOperation.ManagedSave ? (int)Proto.JobOperation.Save : (int)reply.Operation;
        return new DomainJobInfo
        {
            Type = (int)reply.Type,
            Operation = operation,
            ElapsedMs = Ms(s.Elapsed),
            ElapsedNetMs = s.ElapsedNet is null ? null : Ms(s.ElapsedNet),
            RemainingMs = Ms(s.Remaining),
            DataTotal = s.DataTotalBytes,
            DataProcessed = s.DataProcessedBytes,
            DataRemaining = s.DataRemainingBytes,
            MemoryTotal = s.MemoryTotalBytes,
            MemoryProcessed = s.MemoryProcessedBytes,
            MemoryRemaining = s.MemoryRemainingBytes,
            MemoryBytesPerSecond = s.HasMemoryBytesPerSecond ? s.MemoryBytesPerSecond : null,
            DirtyRate = s.HasMemoryDirtyRatePagesPerSecond ? s.MemoryDirtyRatePagesPerSecond : null,
            PageSize = s.HasMemoryPageSizeBytes ? s.MemoryPageSizeBytes : null,
            Iteration = s.HasMemoryIteration ? s.MemoryIteration : null,
            PostcopyRequests = s.HasMemoryPostcopyRequests ? s.MemoryPostcopyRequests : null,
            DiskTotal = s.DiskTotalBytes,
            DiskProcessed = s.DiskProcessedBytes,
            DiskRemaining = s.DiskRemainingBytes,
            DiskBytesPerSecond = s.HasDiskBytesPerSecond ? s.DiskBytesPerSecond : null,
            ConstantPages = s.HasMemoryConstantPages ? s.MemoryConstantPages : null,
            NormalPages = s.HasMemoryNormalPages ? s.MemoryNormalPages : null,
            NormalBytes = s.HasMemoryNormalBytes ? s.MemoryNormalBytes : null,
            DowntimeMs = s.Downtime is null ? null : Ms(s.Downtime),
            DowntimeNetMs = s.DowntimeNet is null ? null : Ms(s.DowntimeNet),
            SetupTimeMs = s.SetupTime is null ? null : Ms(s.SetupTime),
            AutoConvergeThrottle = s.HasAutoConvergeThrottlePercent ? (int)s.AutoConvergeThrottlePercent : null,
            ErrorMessage = reply.Type is Proto.DomainJobType.Failed or Proto.DomainJobType.Cancelled && reply.ErrorMessage.Length > 0 ? reply.ErrorMessage : null,
        };
    }

    /// <summary>libvirt's typed parameter names and values, as <c>--rawstats</c> prints them.</summary>
    private static IEnumerable<(string Field, string Value)> RawStats(Proto.GetDomainJobInfoResponse reply)
    {
        if (reply.Type == Proto.DomainJobType.None)
        {
            yield break;
        }
        var s = reply.Stats ?? new Proto.JobProgress();
        static string U(ulong v) => v.ToString(CultureInfo.InvariantCulture);
        yield return ("operation", ((int)(reply.Operation == Proto.JobOperation.ManagedSave ? Proto.JobOperation.Save : reply.Operation)).ToString(CultureInfo.InvariantCulture));
        yield return ("time_elapsed", U(Ms(s.Elapsed)));
        if (s.Remaining is not null)
        {
            yield return ("time_remaining", U(Ms(s.Remaining)));
        }
        if (s.Downtime is not null)
        {
            yield return ("downtime", U(Ms(s.Downtime)));
        }
        if (s.SetupTime is not null)
        {
            yield return ("setup_time", U(Ms(s.SetupTime)));
        }
        if (s.HasDataTotalBytes)
        {
            yield return ("data_total", U(s.DataTotalBytes));
            yield return ("data_processed", U(s.DataProcessedBytes));
            yield return ("data_remaining", U(s.DataRemainingBytes));
        }
        if (s.HasMemoryTotalBytes)
        {
            yield return ("memory_total", U(s.MemoryTotalBytes));
            yield return ("memory_processed", U(s.MemoryProcessedBytes));
            yield return ("memory_remaining", U(s.MemoryRemainingBytes));
        }
        if (s.HasMemoryConstantPages)
        {
            yield return ("memory_constant", U(s.MemoryConstantPages));
        }
        if (s.HasMemoryNormalPages)
        {
            yield return ("memory_normal", U(s.MemoryNormalPages));
            yield return ("memory_normal_bytes", U(s.MemoryNormalBytes));
        }
        if (s.HasMemoryBytesPerSecond)
        {
            yield return ("memory_bps", U(s.MemoryBytesPerSecond));
        }
        if (s.HasMemoryDirtyRatePagesPerSecond)
        {
            yield return ("memory_dirty_rate", U(s.MemoryDirtyRatePagesPerSecond));
        }
        if (s.HasMemoryPageSizeBytes)
        {
            yield return ("memory_page_size", U(s.MemoryPageSizeBytes));
        }
        if (s.HasMemoryIteration)
        {
            yield return ("memory_iteration", U(s.MemoryIteration));
        }
        if (s.HasMemoryPostcopyRequests)
        {
            yield return ("memory_postcopy_requests", U(s.MemoryPostcopyRequests));
        }
        if (s.HasDiskTotalBytes)
        {
            yield return ("disk_total", U(s.DiskTotalBytes));
            yield return ("disk_processed", U(s.DiskProcessedBytes));
            yield return ("disk_remaining", U(s.DiskRemainingBytes));
        }
        if (reply.Type is Proto.DomainJobType.Completed or Proto.DomainJobType.Failed or Proto.DomainJobType.Cancelled)
        {
            yield return ("success", reply.Success ? "yes" : "no");
            if (reply.ErrorMessage.Length > 0)
            {
                yield return ("errmsg", reply.ErrorMessage);
            }
        }
    }
}
