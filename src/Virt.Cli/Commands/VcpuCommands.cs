using System.Globalization;
using System.Text;
using Virt.Driver;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh vcpucount and vcpuinfo (virsh-domain.c), both over GetVcpus: the counts of the persistent and the live
/// definition, and each online vCPU's thread of a running domain.
/// </summary>
internal static class VcpuCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("vcpucount", CommandGroup.Domain, "domain vcpu counts", "Returns the number of virtual CPUs used by the domain.",
        [
            Opt.Domain(),
            Opt.Flag("maximum", "get maximum count of vcpus"),
            Opt.Flag("active", "get number of currently active vcpus"),
            Opt.Flag("live", "get value from running domain"),
            Opt.Flag("config", "get value to be used on next boot"),
            Opt.Flag("current", "get value according to current domain state"),
            Opt.Flag("guest", "retrieve vcpu count from the guest instead of the hypervisor"),
        ], VcpuCountAsync),
        new("vcpuinfo", CommandGroup.Domain, "detailed domain vcpu information", "Returns basic information about the domain virtual CPUs.",
            [Opt.Domain(), Opt.Flag("pretty", "return human readable output")], VcpuInfoAsync),
    ];

    private static async Task<bool> VcpuCountAsync(CommandContext c, CancellationToken ct)
    {
        var a = c.Args;
        var (maximum, active, live, config, guest) = (a.Bool("maximum"), a.Bool("active"), a.Bool("live"), a.Bool("config"), a.Bool("guest"));
        // Before 0.9.4 --current meant "not --maximum"; virsh still reads '--current --live' that way.
        var current = a.Bool("current") && (maximum || active);
        var all = !(maximum || active || live || config || a.Bool("current") || guest);
        foreach (var (first, second, both) in new[] { ("live", "config", live && config), ("current", "live", current && live), ("current", "config", current && config), ("active", "maximum", active && maximum), ("guest", "config", guest && config) })
        {
            if (both)
            {
                throw VshError.Of($"Options --{first} and --{second} are mutually exclusive");
            }
        }
        var domain = await Lookup.DomainAsync(c, ct);
        if (guest)
        {
            throw VshError.Of("Failed to retrieve vCPU count from the guest",
                "this function is not supported by the connection driver: reading the vCPUs online in the guest (--guest needs the guest agent)");
        }
        var counts = await GetVcpusAsync(c, domain.Domain.Uuid, ct);
        var isActive = counts.MaximumLive > 0;
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                WriteCount(w, "maximum_config", counts.MaximumConfig);
                WriteCount(w, "maximum_live", counts.MaximumLive);
                WriteCount(w, "current_config", counts.CurrentConfig);
                WriteCount(w, "current_live", counts.CurrentLive);
            });
            return true;
        }
        if (all)
        {
            // virsh prints the counts there are: no live ones for an inactive domain, no config ones for a transient one.
            var text = new StringBuilder();
            foreach (var (which, state, count) in new[] { ("maximum", "config", counts.MaximumConfig), ("maximum", "live", counts.MaximumLive), ("current", "config", counts.CurrentConfig), ("current", "live", counts.CurrentLive) })
            {
                if (count > 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{which,-12} {state,-12} {count,3}\n");
                }
            }
            c.Print(text.ToString());
            return true;
        }
        var fromLive = live || (!config && isActive);
        if (fromLive && !isActive)
        {
            throw VshError.Of("Requested operation is not valid: domain is not running");
        }
        if (!fromLive && counts.MaximumConfig == 0)
        {
            throw VshError.Of("Requested operation is not valid: transient domains do not have any persistent config");
        }
        var value = (fromLive, maximum) switch
        {
            (true, true) => counts.MaximumLive,
            (true, false) => counts.CurrentLive,
            (false, true) => counts.MaximumConfig,
            (false, false) => counts.CurrentConfig,
        };
        c.Print(value.ToString(CultureInfo.InvariantCulture) + "\n");
        return true;
    }

    private static void WriteCount(System.Text.Json.Utf8JsonWriter w, string name, uint count)
    {
        if (count > 0)
        {
            w.WriteNumber(name, count);
        }
    }

    private static async Task<bool> VcpuInfoAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var pretty = c.Args.Bool("pretty");
        var connection = await c.ConnectionAsync(ct);
        var hostCpus = await DomainRuntimeCommands.HostCpuCountAsync(connection, ct);
        var vcpus = await GetVcpusAsync(c, domain.Domain.Uuid, ct);
        List<VcpuRow> rows;
        if (vcpus.MaximumLive > 0)
        {
            rows = [.. vcpus.Vcpus.Select(v => new VcpuRow(v.Number, v.HostCpu, StateName(v.State), v.CpuTimeNs, v.Affinity))];
        }
        else
        {
            // An inactive domain: virsh shows the persistent pinning of the vCPUs online at boot, and N/A for the rest.
            Proto.GetVcpuPinInfoResponse pins;
            try
            {
                pins = await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.GetVcpuPinInfoAsync(new Proto.GetVcpuPinInfoRequest { Domain = r, Config = true }, cancellationToken: ct));
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e);
            }
            rows = [.. pins.Pins.Take((int)vcpus.CurrentConfig).Select(p => new VcpuRow(p.Vcpu, null, null, null, p.HostCpus))];
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteStartArray("vcpus");
                foreach (var row in rows)
                {
                    w.WriteStartObject();
                    w.WriteNumber("vcpu", row.Number);
                    WriteNullable(w, "cpu", row.HostCpu);
                    w.WriteString("state", row.State);
                    WriteNullable(w, "cpu_time_ns", (long?)row.CpuTimeNs);
                    w.WriteString("affinity", CpuSet.Format(row.Affinity));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return true;
        }
        var entries = rows.Select(row =>
        {
            var entry = new StringBuilder();
            entry.Append(CultureInfo.InvariantCulture, $"{"VCPU:",-15} {row.Number}\n{"CPU:",-15} {row.HostCpu?.ToString(CultureInfo.InvariantCulture) ?? "N/A"}\n{"State:",-15} {row.State ?? "N/A"}\n");
            // virsh leaves the time out when it reads 0, and prints it without the colon when the domain is inactive.
            if (row.CpuTimeNs is null)
            {
                entry.Append(CultureInfo.InvariantCulture, $"{"CPU time",-15} N/A\n");
            }
            else if (row.CpuTimeNs > 0)
            {
                entry.Append(CultureInfo.InvariantCulture, $"{"CPU time:",-15} {(row.CpuTimeNs.Value / 1e9).ToString("F1", CultureInfo.InvariantCulture)}s\n");
            }
            return entry.Append(CultureInfo.InvariantCulture, $"{"CPU Affinity:",-15} {Affinity(row.Affinity, hostCpus, pretty)}\n").ToString();
        });
        c.Print(string.Join("\n", entries));
        return true;
    }

    /// <summary>One vCPU as vcpuinfo shows it; the host CPU, state and time are unknown (N/A) for an inactive domain.</summary>
    private sealed record VcpuRow(uint Number, int? HostCpu, string? State, ulong? CpuTimeNs, IReadOnlyList<uint> Affinity);

    private static void WriteNullable(System.Text.Json.Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>virshVcpuinfoPrintAffinity: a cpulist out of the host's CPUs, or one y or - per host CPU.</summary>
    private static string Affinity(IReadOnlyList<uint> cpus, uint hostCpus, bool pretty) =>
        pretty
            ? $"{CpuSet.Format(cpus.Where(cpu => cpu < hostCpus).ToList())} (out of {hostCpus.ToString(CultureInfo.InvariantCulture)})"
            : string.Concat(Enumerable.Range(0, (int)hostCpus).Select(cpu => cpus.Contains((uint)cpu) ? 'y' : '-'));

    private static string StateName(Proto.VcpuState state) => state switch
    {
        Proto.VcpuState.Running => "running",
        Proto.VcpuState.Blocked => "blocked",
        _ => "offline",
    };

    private static async Task<Proto.GetVcpusResponse> GetVcpusAsync(CommandContext c, string uuid, CancellationToken ct)
    {
        var connection = await c.ConnectionAsync(ct);
        try
        {
            return await connection.DomainCallAsync(uuid, (d, r) => d.GetVcpusAsync(new Proto.GetVcpusRequest { Domain = r }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e);
        }
    }
}
