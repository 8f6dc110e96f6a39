using System.Globalization;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// migrate and its tunables (virsh-domain.c: cmdMigrate, cmdMigrateSetMaxDowntime, …). vsh always asks the source
/// daemon to drive the migration to the destination daemon (peer to peer), with or without --p2p: there is no
/// client-driven mode to fall back to. Options the daemon does not implement are refused by it, by name.
/// </summary>
internal static class MigrationCommands
{
    /// <summary>libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX, what virsh prints for "unlimited".</summary>
    private const ulong UnlimitedMibS = 8796093022207;

    public static IEnumerable<CommandDef> All() =>
    [
        new("migrate", CommandGroup.Domain, "migrate domain to another host", "Migrate domain to another host.  Add --live for live migration.",
        [
            Opt.Domain(),
            new("desturi", OptionKind.String, "connection URI of the destination host as seen from the client(normal migration) or source(p2p migration)", Required: true),
            Opt.Flag("live", "live migration"),
            Opt.Flag("offline", "offline migration"),
            Opt.Flag("p2p", "peer-2-peer migration"),
            Opt.Flag("direct", "direct migration"),
            Opt.Flag("tunnelled", "tunnelled migration"),
            Opt.Flag("persistent", "persist VM on destination"),
            Opt.Flag("undefinesource", "undefine VM on source"),
            Opt.Flag("suspend", "do not restart the domain on the destination host"),
            Opt.Flag("copy-storage-all", "migration with non-shared storage with full disk copy"),
            Opt.Flag("copy-storage-inc", "migration with non-shared storage with incremental copy (same base image shared between source and destination)"),
            Opt.Flag("unsafe", "force migration even if it may be unsafe"),
            Opt.Flag("verbose", "display the progress of migration"),
            Opt.Flag("auto-converge", "force convergence during live migration"),
            Opt.Flag("abort-on-error", "abort on soft errors during migration"),
            Opt.Flag("postcopy", "enable post-copy migration; switch to it using migrate-postcopy command"),
            new("migrateuri", OptionKind.String, "migration URI, usually can be omitted"),
            new("listen-address", OptionKind.String, "listen address that destination should bind to for incoming migration"),
            new("dname", OptionKind.String, "rename to new name during migration (if supported)"),
            new("timeout", OptionKind.Number, "run action specified by --timeout-* option (suspend by default) if live migration exceeds timeout (in seconds)"),
            Opt.Flag("timeout-suspend", "suspend the guest after timeout"),
            Opt.Flag("timeout-postcopy", "switch to post-copy after timeout"),
            new("xml", OptionKind.String, "filename containing updated XML for the target"),
            new("persistent-xml", OptionKind.String, "filename containing updated persistent XML for the target"),
            Opt.Flag("tls", "use TLS for migration"),
            Opt.Flag("parallel", "enable parallel migration"),
            new("parallel-connections", OptionKind.Number, "number of connections for parallel migration"),
            new("bandwidth", OptionKind.Number, "migration bandwidth limit in MiB/s"),
        ], MigrateAsync),
        new("migrate-setmaxdowntime", CommandGroup.Domain, "set maximum tolerable downtime",
            "Set maximum tolerable downtime of a domain which is being live-migrated to another host.",
            [Opt.Domain(), new("downtime", OptionKind.Number, "maximum tolerable downtime (in milliseconds) for migration", Required: true)], SetMaxDowntimeAsync),
        new("migrate-getmaxdowntime", CommandGroup.Domain, "get maximum tolerable downtime",
            "Get maximum tolerable downtime of a domain which is being live-migrated to another host.",
            [Opt.Domain()], GetMaxDowntimeAsync),
        new("migrate-setspeed", CommandGroup.Domain, "Set the maximum migration bandwidth",
            "Set the maximum migration bandwidth (in MiB/s) for a domain which is being migrated to another host.",
            [Opt.Domain(), new("bandwidth", OptionKind.Number, "migration bandwidth limit in MiB/s", Required: true), Opt.Flag("postcopy", "set post-copy migration bandwidth")],
            SetSpeedAsync),
        new("migrate-getspeed", CommandGroup.Domain, "Get the maximum migration bandwidth",
            "Get the maximum migration bandwidth (in MiB/s) for a domain.",
            [Opt.Domain(), Opt.Flag("postcopy", "get post-copy migration bandwidth")], GetSpeedAsync),
    ];

    private static async Task<bool> MigrateAsync(CommandContext c, CancellationToken ct)
    {
        var desturi = c.Args.Required("desturi");
        c.Args.Exclusive("live", "offline");
        c.Args.Exclusive("timeout-suspend", "timeout-postcopy");
        var timeout = c.Args.Has("timeout") ? c.Args.TimeoutSeconds() : null;
        if (timeout is not null && c.Args.Bool("offline"))
        {
            throw VshError.Of("migrate: Unexpected timeout for offline migration");
        }
        if (c.Args.Bool("direct") || c.Args.Bool("tunnelled"))
        {
            throw VshError.Of("migrate: --direct and --tunnelled are not supported; Virt migrates daemon to daemon (--p2p)");
        }
        var options = new Proto.MigrationOptions
        {
            Live = c.Args.Bool("live"),
            Offline = c.Args.Bool("offline"),
            Persistent = c.Args.Bool("persistent"),
            UndefineSource = c.Args.Bool("undefinesource"),
            Suspend = c.Args.Bool("suspend"),
            Unsafe = c.Args.Bool("unsafe"),
            AutoConverge = c.Args.Bool("auto-converge"),
            AbortOnError = c.Args.Bool("abort-on-error"),
            Postcopy = c.Args.Bool("postcopy"),
            Tls = c.Args.Bool("tls"),
            CopyStorage = c.Args.Bool("copy-storage-all") ? Proto.StorageCopyMode.All : c.Args.Bool("copy-storage-inc") ? Proto.StorageCopyMode.Incremental : Proto.StorageCopyMode.None,
            MigrationUri = c.Args.String("migrateuri") ?? "",
            ListenAddress = c.Args.String("listen-address") ?? "",
            DestinationName = c.Args.String("dname") ?? "",
            TimeoutAction = c.Args.Bool("timeout-postcopy") ? Proto.MigrationTimeoutAction.Postcopy : Proto.MigrationTimeoutAction.Suspend,
            ParallelConnections = c.Args.Bool("parallel") ? c.Args.UInt("parallel-connections") ?? 2 : 0,
        };
        if (timeout is { } t)
        {
            options.Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(t);
        }
        if (ULong(c, "bandwidth") is { } bandwidth)
        {
            options.MaxBandwidthMibS = bandwidth;
        }
        if (c.Args.String("xml") is { } xml)
        {
            options.DestinationXml = await XmlFiles.ReadAsync(xml, ct);
        }
        if (c.Args.String("persistent-xml") is { } persistentXml)
        {
            options.PersistentXml = await XmlFiles.ReadAsync(persistentXml, ct);
        }
        var verbose = c.Args.Bool("verbose");
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.Job job;
        using var interrupt = JobInterrupt.AbortJobOn(connection, domain.Domain.Uuid);
        try
        {
            // --verbose follows the MIGRATION_OUT job (WatchJob); otherwise the call waits for it to end.
            job = await connection.MigrationCallAsync(domain.Domain.Uuid, (m, r) => m.MigrateDomainAsync(new Proto.MigrateDomainRequest
            {
                Domain = r,
                DestinationUri = desturi,
                Options = options,
                Wait = !verbose,
            }, cancellationToken: ct));
            if (verbose)
            {
                job = await JobProgressLine.FollowAsync(c, connection, job, "Migration", newlineAfterSuccess: true, ct);
                if (job.State != Proto.JobState.Succeeded)
                {
                    throw VshError.Of(job.Error?.Message ?? $"the migration job ended {job.State}");
                }
            }
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
                w.WriteString("destination", desturi);
                w.WriteString("result", "migrated");
                w.NumberOrNull("total_ms", (long?)job.Result?.FinalStats?.Elapsed?.ToTimeSpan().TotalMilliseconds);
                w.NumberOrNull("downtime_ms", (long?)job.Result?.FinalStats?.Downtime?.ToTimeSpan().TotalMilliseconds);
            });
        }
        return true;
    }

    private static async Task<bool> SetMaxDowntimeAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var downtime = ULong(c, "downtime") ?? 0;
        if (downtime < 1)
        {
            throw VshError.Of("migrate: Invalid downtime");
        }
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.MigrationCallAsync(domain.Domain.Uuid, (m, r) => m.SetMigrationMaxDowntimeAsync(new Proto.SetMigrationMaxDowntimeRequest { Domain = r, MaxDowntimeMs = downtime }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        return true;
    }

    private static async Task<bool> GetMaxDowntimeAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.GetMigrationMaxDowntimeResponse reply;
        try
        {
            reply = await connection.MigrationCallAsync(domain.Domain.Uuid, (m, r) => m.GetMigrationMaxDowntimeAsync(new Proto.GetMigrationMaxDowntimeRequest { Domain = r }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        PrintNumber(c, "max_downtime_ms", reply.MaxDowntimeMs);
        return true;
    }

    private static async Task<bool> SetSpeedAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var bandwidth = ULong(c, "bandwidth") ?? 0;
        var connection = await c.ConnectionAsync(ct);
        try
        {
            await connection.MigrationCallAsync(domain.Domain.Uuid, (m, r) => m.SetMigrationMaxSpeedAsync(
                new Proto.SetMigrationMaxSpeedRequest { Domain = r, BandwidthMibS = bandwidth, Postcopy = c.Args.Bool("postcopy") }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        return true;
    }

    private static async Task<bool> GetSpeedAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        Proto.GetMigrationMaxSpeedResponse reply;
        try
        {
            reply = await connection.MigrationCallAsync(domain.Domain.Uuid, (m, r) => m.GetMigrationMaxSpeedAsync(
                new Proto.GetMigrationMaxSpeedRequest { Domain = r, Postcopy = c.Args.Bool("postcopy") }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
        PrintNumber(c, "bandwidth_mib_s", reply.BandwidthMibS == 0 ? UnlimitedMibS : reply.BandwidthMibS);
        return true;
    }

    private static void PrintNumber(CommandContext c, string name, ulong value)
    {
        if (c.Json)
        {
            c.WriteJson(w => w.WriteNumber(name, value));
        }
        else
        {
            c.Print(value.ToString(CultureInfo.InvariantCulture) + "\n");
        }
    }

    /// <summary>vshCommandOptULongLong: null when absent, virsh's message when malformed.</summary>
    private static ulong? ULong(CommandContext c, string name)
    {
        var text = c.Args.String(name);
        if (text is null)
        {
            return null;
        }
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw VshError.Of($"Numeric value '{text}' for <{name}> option is malformed or out of range");
    }
}
