using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Virt.Driver;
using Virt.Protocol.V1;
using DriverOutcome = Virt.Driver.MigrationOutcome;
using ProtoOutcome = Virt.Protocol.V1.MigrationOutcome;

namespace Virt.Api;

/// <summary>Migration requests, facts, statistics and peer errors between the proto and the driver contract.</summary>
internal static class MigrationConversion
{
    /// <summary>The options the driver honours; any other one is refused by name rather than ignored.</summary>
    public static MigrationSettings Settings(MigrationOptions? options, string field = "options")
    {
        options ??= new MigrationOptions();
        Requests.Unsupported(options.Postcopy, $"{field}.postcopy", "post-copy migration (--postcopy)");
        Requests.Unsupported(options.Tls, $"{field}.tls", "TLS for the QEMU stream (--tls)");
        Requests.Unsupported(options.AutoConverge, $"{field}.auto_converge", "auto-converge (--auto-converge)");
        Requests.Unsupported(options.AbortOnError, $"{field}.abort_on_error", "cancelling on disk I/O errors (--abort-on-error)");
        Requests.Unsupported(options.CopyStorage != StorageCopyMode.None, $"{field}.copy_storage", "copying storage (--copy-storage-all/-inc); migration needs shared storage");
        Requests.Unsupported(options.MigrateDisks.Count > 0, $"{field}.migrate_disks", "choosing disks to copy (--migrate-disks)");
        Requests.Unsupported(options.ParallelConnections > 1, $"{field}.parallel_connections", "parallel migration connections (--parallel)");
        Requests.Unsupported(options.DestinationXml.Length > 0, $"{field}.destination_xml", "a replacement XML for the destination (--xml)");
        Requests.Unsupported(options.PersistentXml.Length > 0, $"{field}.persistent_xml", "a separate persistent XML (--persistent-xml)");
        Requests.Unsupported(options.DestinationName.Length > 0, $"{field}.destination_name", "renaming on the destination (--dname)");
        Requests.Unsupported(options.MigrationUri.Length > 0, $"{field}.migration_uri", "choosing the QEMU stream address (--migrateuri); the destination listens where the peer call arrived");
        Requests.Unsupported(options.TimeoutAction == MigrationTimeoutAction.Postcopy, $"{field}.timeout_action", "switching to post-copy on timeout (--timeout-postcopy)");
        if (options.Offline && options.Live)
        {
            throw ApiErrors.InvalidArgument($"{field}.offline", "offline migration moves only the definition; it cannot also be live. Drop --live or --offline.");
        }
        if (options.Offline && !options.Persistent)
        {
            throw ApiErrors.InvalidArgument($"{field}.offline", "offline migration needs persistent (--persistent): the definition is all that moves.");
        }
        if (options.Offline && options.Suspend)
        {
            throw ApiErrors.InvalidArgument($"{field}.suspend", "suspend applies to a running guest; an offline migration moves none.");
        }
        TimeSpan? timeout = null;
        if (options.Timeout is { } t)
        {
            timeout = t.Seconds > 0 && t.Nanos >= 0 && t.Seconds <= Duration.MaxSeconds
                ? t.ToTimeSpan()
                : throw ApiErrors.InvalidArgument($"{field}.timeout", "timeout must be a positive duration.");
        }
        return new MigrationSettings
        {
            Live = options.Live,
            Offline = options.Offline,
            Persistent = options.Persistent,
            UndefineSource = options.UndefineSource,
            Suspend = options.Suspend,
            MaxDowntimeMs = options.HasMaxDowntimeMs ? options.MaxDowntimeMs : null,
            MaxBandwidthMibS = options.HasMaxBandwidthMibS ? options.MaxBandwidthMibS : null,
            Timeout = timeout,
        };
    }

    public static MigrationSourceInfo Source(MigrationFacts facts)
    {
        var info = new MigrationSourceInfo
        {
            Hostname = facts.Hostname,
            MachineType = facts.MachineType,
            Arch = facts.Arch,
            GuestCpuXml = facts.GuestCpuXml,
            MemoryKib = facts.MemoryKiB,
            Vcpus = facts.Vcpus,
            WasRunning = facts.WasRunning,
        };
        info.Disks.AddRange(facts.Disks.Select(d => new MigrationDisk { Target = d.Target, Source = d.Source, Format = d.Format, ReadOnly = d.ReadOnly, Shareable = d.Shareable }));
        return info;
    }

    public static MigrationFacts Facts(MigrationSourceInfo? info) => info is null ? new MigrationFacts() : new MigrationFacts
    {
        Hostname = info.Hostname,
        MachineType = info.MachineType,
        Arch = info.Arch,
        GuestCpuXml = info.GuestCpuXml,
        MemoryKiB = info.MemoryKib,
        Vcpus = info.Vcpus,
        WasRunning = info.WasRunning,
        Disks = [.. info.Disks.Select(d => new MigrationDiskFact(d.Target, d.Source, d.Format, d.ReadOnly, d.Shareable))],
    };

    public static JobProgress Progress(MigrationStats stats)
    {
        var progress = new JobProgress { Phase = stats.Phase, Elapsed = Duration.FromTimeSpan(stats.Elapsed) };
        if (stats.Downtime is { } downtime)
        {
            progress.Downtime = Duration.FromTimeSpan(downtime);
        }
        if (stats.SetupTime is { } setup)
        {
            progress.SetupTime = Duration.FromTimeSpan(setup);
        }
        if (stats.DataTotal is { } total)
        {
            progress.DataTotalBytes = total;
            progress.MemoryTotalBytes = total;
        }
        if (stats.DataProcessed is { } processed)
        {
            progress.DataProcessedBytes = processed;
            progress.MemoryProcessedBytes = processed;
        }
        if (stats.DataRemaining is { } remaining)
        {
            progress.DataRemainingBytes = remaining;
            progress.MemoryRemainingBytes = remaining;
        }
        if (stats.MemoryBytesPerSecond is { } bps)
        {
            progress.MemoryBytesPerSecond = bps;
        }
        if (stats.DirtyRatePagesPerSecond is { } dirty)
        {
            progress.MemoryDirtyRatePagesPerSecond = dirty;
        }
        if (stats.Iterations is { } iterations)
        {
            progress.MemoryIteration = iterations;
        }
        return progress;
    }

    public static MigrationStats Stats(JobProgress? progress) => progress is null ? new MigrationStats() : new MigrationStats
    {
        Phase = progress.Phase,
        Elapsed = progress.Elapsed?.ToTimeSpan() ?? TimeSpan.Zero,
        Downtime = progress.Downtime?.ToTimeSpan(),
        DataTotal = progress.HasDataTotalBytes ? progress.DataTotalBytes : null,
        DataProcessed = progress.HasDataProcessedBytes ? progress.DataProcessedBytes : null,
    };

    public static ProtoOutcome Outcome(DriverOutcome outcome) => (ProtoOutcome)(int)outcome;

    public static DriverOutcome Outcome(ProtoOutcome outcome) => (DriverOutcome)(int)outcome;

    /// <summary>
    /// A peer's failure as this daemon's own error: the peer's reason and message when it sent them (a pre-flight
    /// refusal reads the same on both hosts), else PEER_UNREACHABLE naming the destination.
    /// </summary>
    public static VirtException FromPeer(RpcException e, string destination)
    {
        var raw = e.Trailers.FirstOrDefault(t => t.IsBinary && t.Key == ApiErrors.StatusDetailsTrailer);
        if (raw is not null)
        {
            try
            {
                var status = Google.Rpc.Status.Parser.ParseFrom(raw.ValueBytes);
                if (status.Details.FirstOrDefault(d => d.Is(ErrorInfo.Descriptor))?.Unpack<ErrorInfo>() is { } info
                    && ApiErrors.ParseReason(info.Reason) is var reason && reason != ErrorReason.Unspecified)
                {
                    var metadata = new Dictionary<string, string>(info.Metadata) { ["destination"] = destination };
                    return new VirtException((VirtErrorReason)(int)reason, e.Status.Detail, metadata, e);
                }
            }
            catch (Google.Protobuf.InvalidProtocolBufferException)
            {
                // Typed by the code below.
            }
        }
        return new VirtException(VirtErrorReason.PeerUnreachable,
            $"The destination daemon {destination} failed the call ({e.StatusCode}): {e.Status.Detail}",
            new Dictionary<string, string> { ["destination"] = destination }, e);
    }
}
