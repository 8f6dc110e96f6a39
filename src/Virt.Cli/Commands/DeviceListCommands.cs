using System.Xml.Linq;
using Virt.Cli.Output;
using Virt.Cli.Runtime;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh domblklist and domiflist (virsh-domain-monitor.c): the disks and interfaces of the domain's XML, read the way
/// virsh reads them (its XPath expressions), so that what an operator passes on to domblkstat and domifstat is the same.
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
    ];

    private static async Task<bool> DomBlkListAsync(CommandContext c, CancellationToken ct)
    {
        var details = c.Args.Bool("details");
        List<string[]> rows = [];
        foreach (var disk in (await DevicesAsync(c, ct)).Elements("disk"))
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
        var rows = (await DevicesAsync(c, ct)).Elements("interface").Select(nic => new[]
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

    /// <summary>The &lt;devices&gt; of the domain's live XML (with --inactive, its persistent one), as dumpxml prints it.</summary>
    private static async Task<XElement> DevicesAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var connection = await c.ConnectionAsync(ct);
        var xml = await connection.GetDomainXmlAsync(domain.Domain.Uuid, inactive: c.Args.Bool("inactive"), ct: ct);
        return XDocument.Parse(xml).Root?.Element("devices") ?? new XElement("devices");
    }

    // virXPathString: an attribute that is missing or empty reads as none.
    private static string? Attribute(XElement? element, string name) => element?.Attribute(name)?.Value is { Length: > 0 } value ? value : null;

    private static string? FirstSource(XElement device, string[] names) =>
        device.Element("source")?.Attributes().FirstOrDefault(a => names.Contains(a.Name.LocalName) && a.Value.Length > 0)?.Value;
}
