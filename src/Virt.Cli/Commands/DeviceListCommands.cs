using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh domblklist, domiflist and domblkinfo (virsh-domain-monitor.c): the disks and interfaces of the domain's XML,
/// read the way virsh reads them (its XPath expressions), so that what an operator passes on to domblkstat and
/// domifstat is the same; domblkinfo's --all walks the same disks.
/// </summary>
internal static class DeviceListCommands
{
    // virsh takes the first of these attributes of <source> that the element has: string() of a union of attribute nodes.
    private static readonly string[] _diskSources = ["file", "dev", "dir", "name", "volume"];
    private static readonly string[] _interfaceSources = ["bridge", "dev", "network", "name", "path"];

    public static IEnumerable<CommandDef> All() =>
    [
        new("domblklist", CommandGroup.Monitor, "list all domain blocks", "Get the summary of block devices for a domain.",
        [
            Opt.Domain(),
            Opt.Flag("inactive", "get inactive rather than running configuration"),
            Opt.Flag("details", "additionally display the type and device value"),
        ], DomBlkListAsync),
        new("domiflist", CommandGroup.Monitor, "list all domain virtual interfaces", "Get the summary of virtual interfaces for a domain.",
        [
            Opt.Domain(),
            Opt.Flag("inactive", "get inactive rather than running configuration"),
        ], DomIfListAsync),
        new("domblkinfo", CommandGroup.Monitor, "domain block device size information", "Get block device size info for a domain.",
        [
            Opt.Domain(),
            new("device", OptionKind.String, "block device"),
            Opt.Flag("human", "Human readable output"),
            Opt.Flag("all", "display all block devices info"),
        ], DomBlkInfoAsync),
    ];

    private static async Task<bool> DomBlkListAsync(CommandContext c, CancellationToken ct)
    {
        var details = c.Args.Bool("details");
        List<string[]> rows = [];
        var domain = await Lookup.DomainAsync(c, ct);
        foreach (var disk in (await DevicesAsync(c, domain, c.Args.Bool("inactive"), ct)).Elements("disk"))
        {
            var type = Attribute(disk, "type");
            var device = Attribute(disk, "device");
            if (details && (type is null || device is null))
            {
                // virsh prints this on stdout, without a newline, and fails.
                c.Print("unable to query block list details");
                return false;
            }
            var target = Attribute(disk.Element("target"), "dev") ?? throw VshError.Of("unable to query block list");
            var source = FirstSource(disk, _diskSources) ?? "-";
            rows.Add(details ? [type!, device!, target, source] : [target, source]);
        }
        Print(c, "disks", details ? ["Type", "Device", "Target", "Source"] : ["Target", "Source"], rows);
        return true;
    }

    private static async Task<bool> DomIfListAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var rows = (await DevicesAsync(c, domain, c.Args.Bool("inactive"), ct)).Elements("interface").Select(nic => new[]
        {
            Attribute(nic.Element("target"), "dev") ?? "-",
            Attribute(nic, "type") ?? "",
            FirstSource(nic, _interfaceSources) ?? "-",
            Attribute(nic.Element("model"), "type") ?? "-",
            Attribute(nic.Element("mac"), "address") ?? "-",
        }).ToList();
        Print(c, "interfaces", ["Interface", "Type", "Source", "Model", "MAC"], rows);
        return true;
    }

    private static async Task<bool> DomBlkInfoAsync(CommandContext c, CancellationToken ct)
    {
        c.Args.Exclusive("all", "device");
        var domain = await Lookup.DomainAsync(c, ct);
        var all = c.Args.Bool("all");
        var device = c.Args.String("device");
        if (!all && string.IsNullOrEmpty(device))
        {
            throw VshError.Of("command 'domblkinfo' requires <device> option");
        }
        var connection = await c.ConnectionAsync(ct);
        async Task<Proto.GetBlockInfoResponse> InfoAsync(string disk)
        {
            try
            {
                return await connection.GetBlockInfoAsync(domain.Domain.Uuid, disk, ct);
            }
            catch (VirtClientException e)
            {
                throw VshError.FromClient(e);
            }
        }
        if (!all)
        {
            var info = await InfoAsync(device!);
            if (c.Json)
            {
                c.WriteJson(w => WriteSizes(w, device!, info));
                return true;
            }
            var (capacity, allocation, physical) = Sizes(info, c.Args.Bool("human"));
            c.Print($"{"Capacity:",-15} {capacity}\n{"Allocation:",-15} {allocation}\n{"Physical:",-15} {physical}\n");
            return true;
        }
        var disks = new List<(string Target, Proto.GetBlockInfoResponse Info)>();
        foreach (var disk in (await DevicesAsync(c, domain, inactive: false, ct)).Elements("disk"))
        {
            // A disk without a source (an empty CD-ROM) has no sizes: virsh shows dashes, as for all zeros.
            var target = disk.Element("target")?.Attribute("dev")?.Value ?? "";
            disks.Add((target, disk.Element("source") is null ? new Proto.GetBlockInfoResponse() : await InfoAsync(target)));
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("disks");
                foreach (var (target, info) in disks)
                {
                    w.WriteStartObject();
                    WriteSizes(w, target, info);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return true;
        }
        var table = new VirshTable(["Target", "Capacity", "Allocation", "Physical"]);
        foreach (var (target, info) in disks)
        {
            var (capacity, allocation, physical) = Sizes(info, c.Args.Bool("human"));
            table.AddRow(target, capacity, allocation, physical);
        }
        c.Print(table.Render(!c.Text.Quiet, c.Text.Locale));
        return true;
    }

    /// <summary>virsh's cmdDomblkinfoGet: bytes, or with --human vshPrettyCapacity to three decimals; all zeros read as dashes.</summary>
    private static (string Capacity, string Allocation, string Physical) Sizes(Proto.GetBlockInfoResponse info, bool human)
    {
        if (info is { CapacityBytes: 0, AllocationBytes: 0, PhysicalBytes: 0 })
        {
            return ("-", "-", "-");
        }
        string Size(ulong bytes) => human ? Capacity.Format(bytes, 3) : bytes.ToString(CultureInfo.InvariantCulture);
        return (Size(info.CapacityBytes), Size(info.AllocationBytes), Size(info.PhysicalBytes));
    }

    private static void WriteSizes(Utf8JsonWriter w, string device, Proto.GetBlockInfoResponse info)
    {
        w.WriteString("device", device);
        w.WriteNumber("capacity", info.CapacityBytes);
        w.WriteNumber("allocation", info.AllocationBytes);
        w.WriteNumber("physical", info.PhysicalBytes);
    }

    /// <summary>virsh's table, or with --json an array named <paramref name="name"/> of objects keyed by the lower-cased column titles.</summary>
    private static void Print(CommandContext c, string name, string[] columns, List<string[]> rows)
    {
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray(name);
                foreach (var row in rows)
                {
                    w.WriteStartObject();
                    for (var i = 0; i < columns.Length; i++)
                    {
                        w.WriteString(columns[i].ToLowerInvariant(), row[i]);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return;
        }
        var table = new VirshTable(columns);
        foreach (var row in rows)
        {
            table.AddRow(row);
        }
        c.Print(table.Render(!c.Text.Quiet, c.Text.Locale));
    }

    /// <summary>
    /// The &lt;devices&gt; of the domain's live XML (<paramref name="inactive"/>: its persistent one), as dumpxml prints it
    /// (<paramref name="securityInfo"/>: with the displays' passwords); the commands that read devices as virsh does share it.
    /// </summary>
    internal static async Task<XElement> DevicesAsync(CommandContext c, Proto.DomainSummary domain, bool inactive, CancellationToken ct, bool securityInfo = false)
    {
        var connection = await c.ConnectionAsync(ct);
        var xml = await connection.GetDomainXmlAsync(domain.Domain.Uuid, inactive: inactive, securityInfo: securityInfo, ct: ct);
        return XDocument.Parse(xml).Root?.Element("devices") ?? new XElement("devices");
    }

    // virXPathString: an attribute that is missing or empty reads as none.
    internal static string? Attribute(XElement? element, string name) => element?.Attribute(name)?.Value is { Length: > 0 } value ? value : null;

    private static string? FirstSource(XElement device, string[] names) =>
        device.Element("source")?.Attributes().FirstOrDefault(a => names.Contains(a.Name.LocalName) && a.Value.Length > 0)?.Value;
}
