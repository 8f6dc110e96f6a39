using System.Text;
using System.Xml.Linq;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh attach-device, detach-device, update-device, domif-setlink and domif-getlink (virsh-domain.c,
/// virsh-domain-monitor.c). The first three send the file's element as it is; domif-getlink reads the link state from
/// the domain's XML, and domif-setlink edits the interface element it finds there and sends it through update-device,
/// as virsh does, so both print what virsh prints, --print-xml included.
/// </summary>
internal static class DeviceCommands
{
    public static IEnumerable<CommandDef> All() =>
    [
        new("attach-device", CommandGroup.Domain, "attach device from an XML file", "Attach device from an XML <file>.",
            [.. DeviceFileOptions()], (c, ct) => DeviceFromFileAsync(c, "attach", ct)),
        new("detach-device", CommandGroup.Domain, "detach device from an XML file", "Detach device from an XML <file>",
            [.. DeviceFileOptions()], (c, ct) => DeviceFromFileAsync(c, "detach", ct)),
        new("update-device", CommandGroup.Domain, "update device from an XML file", "Update device from an XML <file>.",
            [.. DeviceFileOptions(), Opt.Flag("force", "force device update")], (c, ct) => DeviceFromFileAsync(c, "update", ct)),
        new("domif-setlink", CommandGroup.Domain, "set link state of a virtual interface",
            "Set link state of a domain's virtual interface. This command wraps usage of update-device command.",
        [
            Opt.Domain(),
            new("interface", OptionKind.String, "interface device (MAC Address)", Required: true),
            new("state", OptionKind.String, "new state of the device", Required: true),
            Opt.Flag("config", "affect next boot"),
            Opt.Flag("print-xml", "print XML document rather than set the interface link state"),
        ], SetLinkAsync),
        new("domif-getlink", CommandGroup.Monitor, "get link state of a virtual interface", "Get link state of a domain's virtual interface.",
        [
            Opt.Domain(),
            new("interface", OptionKind.String, "interface device (MAC Address)", Required: true),
            Opt.Flag("config", "Get persistent interface state"),
        ], GetLinkAsync),
    ];

    private static IEnumerable<OptionDef> DeviceFileOptions() =>
    [
        Opt.Domain(),
        Opt.File("XML file"),
        Opt.Flag("persistent", "make live change persistent"),
        Opt.Flag("config", "affect next boot"),
        Opt.Flag("live", "affect running domain"),
        Opt.Flag("current", "affect current domain"),
    ];

    /// <summary>attach-device, detach-device and update-device: virsh's flags, then the file's element sent as it is.</summary>
    private static async Task<bool> DeviceFromFileAsync(CommandContext c, string operation, CancellationToken ct)
    {
        c.Args.Exclusive("persistent", "current");
        c.Args.Exclusive("current", "live");
        c.Args.Exclusive("current", "config");
        var domain = await Lookup.DomainAsync(c, ct);
        var file = c.Args.Required("file");
        // --persistent: the persistent definition, and the running guest too when there is one.
        var live = c.Args.Bool("live") || (c.Args.Bool("persistent") && domain.Status.State != Proto.DomainState.Shutoff);
        var config = c.Args.Bool("config") || c.Args.Bool("persistent");
        var xml = await XmlFiles.ReadAsync(file, ct);
        var connection = await c.ConnectionAsync(ct);
        Task call = operation switch
        {
            "attach" => connection.AttachDeviceAsync(domain.Domain.Uuid, xml, live, config, ct),
            "detach" => connection.DetachDeviceAsync(domain.Domain.Uuid, xml, live, config, ct),
            _ => connection.UpdateDeviceAsync(domain.Domain.Uuid, xml, live, config, c.Args.Bool("force"), ct),
        };
        await ReportAsync(c, domain, call, $"Failed to {operation} device from {file}", operation + "ed");
        return true;
    }

    private static async Task<bool> SetLinkAsync(CommandContext c, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        var name = c.Args.Required("interface");
        var state = c.Args.Required("state");
        if (state is not ("up" or "down"))
        {
            throw VshError.Of($"invalid link state '{state}'");
        }
        // virsh changes the persistent definition with --config or when the domain does not run, else the live one.
        var config = c.Args.Bool("config") || domain.Status.State == Proto.DomainState.Shutoff;
        var connection = await c.ConnectionAsync(ct);
        var document = XDocument.Parse(await connection.GetDomainXmlAsync(domain.Domain.Uuid, inactive: config, ct: ct), LoadOptions.PreserveWhitespace);
        var nic = document.Root?.Element("devices")?.Elements("interface").FirstOrDefault(n =>
            string.Equals(n.Element("mac")?.Attribute("address")?.Value, name, StringComparison.OrdinalIgnoreCase)
            || n.Element("target")?.Attribute("dev")?.Value == name)
            ?? throw VshError.Of($"interface '{name}' not found");
        if (nic.Element("link") is { } link)
        {
            link.SetAttributeValue("state", state);
        }
        else
        {
            nic.Add(new XElement("link", new XAttribute("state", state)));
        }
        var element = NodeDump(nic);
        if (c.Args.Bool("print-xml"))
        {
            c.Print(element);
            return true;
        }
        await ReportAsync(c, domain, connection.UpdateDeviceAsync(domain.Domain.Uuid, element, live: !config, config, force: false, ct),
            "Failed to update interface link state", "updated");
        return true;
    }

    private static async Task<bool> GetLinkAsync(CommandContext c, CancellationToken ct)
    {
        var name = c.Args.Required("interface");
        var domain = await Lookup.DomainAsync(c, ct);
        var devices = await DeviceListCommands.DevicesAsync(c, domain, inactive: c.Args.Bool("config"), ct);
        // virsh matches a MAC address in any case against the XML's (lowercase) one, anything else as a target device.
        var mac = IsMac(name) ? name.ToLowerInvariant() : null;
        var matches = devices.Elements("interface").Where(n => mac is not null
            ? n.Element("mac")?.Attribute("address")?.Value == mac
            : n.Element("target")?.Attribute("dev")?.Value == name).ToList();
        if (matches.Count == 0)
        {
            throw VshError.Of(mac is not null ? $"Interface (mac: {name}) not found." : $"Interface (dev: {name}) not found.");
        }
        if (matches.Count > 1)
        {
            throw VshError.Of("multiple matching interfaces found");
        }
        var state = matches[0].Element("link")?.Attribute("state")?.Value is { Length: > 0 } value ? value : "up";
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("interface", name);
                w.WriteString("state", state);
            });
            return true;
        }
        // virsh prints no newline of its own: the line ends with the blank line that -q drops.
        c.Print($"{name} {state}");
        return true;
    }

    /// <summary>The call's outcome as virsh prints it: <c>Device attached successfully</c>, or its failure line and the error.</summary>
    private static async Task ReportAsync(CommandContext c, Proto.DomainSummary domain, Task call, string failure, string done)
    {
        try
        {
            await call;
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, failure);
        }
        DomainLifecycleCommands.Report(c, domain.Domain, done, $"Device {done} successfully\n");
    }

    /// <summary>virMacAddrParse: six hexadecimal pairs separated by ':'.</summary>
    private static bool IsMac(string text) =>
        text.Split(':') is { Length: 6 } parts && parts.All(p => p.Length is 1 or 2 && p.All(char.IsAsciiHexDigit));

    /// <summary>
    /// libxml2's xmlNodeDump, which virsh prints and sends: double-quoted attributes, the document's own whitespace
    /// inside the element, empty elements as <c>&lt;x/&gt;</c>.
    /// </summary>
    private static string NodeDump(XElement element)
    {
        var text = new StringBuilder();
        Write(text, element);
        return text.ToString();

        static void Write(StringBuilder text, XElement element)
        {
            text.Append('<').Append(element.Name.LocalName);
            foreach (var attribute in element.Attributes())
            {
                text.Append(' ').Append(attribute.Name.LocalName).Append("=\"").Append(Escape(attribute.Value, attribute: true)).Append('"');
            }
            if (element.IsEmpty)
            {
                text.Append("/>");
                return;
            }
            text.Append('>');
            foreach (var node in element.Nodes())
            {
                switch (node)
                {
                    case XElement child:
                        Write(text, child);
                        break;
                    case XText content:
                        text.Append(Escape(content.Value, attribute: false));
                        break;
                }
            }
            text.Append("</").Append(element.Name.LocalName).Append('>');
        }

        static string Escape(string value, bool attribute)
        {
            var escaped = value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
            return attribute ? escaped.Replace("\"", "&quot;", StringComparison.Ordinal) : escaped;
        }
    }
}
