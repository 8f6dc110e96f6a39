using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Virt.Cli.Runtime;
using Proto = Virt.Protocol.V1;
using static Virt.Cli.Commands.DeviceListCommands;

namespace Virt.Cli.Commands;

/// <summary>
/// virsh vncdisplay and domdisplay (virsh-domain.c): where a running guest's graphical displays listen, read from its
/// live XML the way virsh reads it (the first display of each type, its port, listen address or socket), so the
/// address and URI an operator hands to a VNC or SPICE viewer are the same.
/// </summary>
internal static class DisplayCommands
{
    // domdisplay tries the schemes in this order and prints the first found (all of them with --all).
    private static readonly string[] _schemes = ["vnc", "spice", "rdp", "dbus"];

    // VNC viewers take display numbers: port 5900 is display :0.
    private const int VncBasePort = 5900;

    public static IEnumerable<CommandDef> All() =>
    [
        new("vncdisplay", CommandGroup.Domain, "vnc display", "Output the IP address and port number for the VNC display.",
        [
            Opt.Domain(),
        ], VncDisplayAsync),
        new("domdisplay", CommandGroup.Domain, "domain display connection URI", "Output the IP address and port number for the graphical display.",
        [
            Opt.Domain(),
            Opt.Flag("include-password", "includes the password into the connection URI if available"),
            new("type", OptionKind.String, "select particular graphical display (e.g. \"vnc\", \"spice\", \"rdp\", \"dbus\")"),
            Opt.Flag("all", "show all possible graphical displays"),
        ], DomDisplayAsync),
    ];

    private static async Task<bool> VncDisplayAsync(CommandContext c, CancellationToken ct)
    {
        var vnc = (await RunningDisplaysAsync(c, securityInfo: false, ct)).FirstOrDefault(g => Attribute(g, "type") == "vnc");
        if (!int.TryParse(Attribute(vnc, "port"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port))
        {
            throw VshError.Of("Failed to get VNC port. Is this domain using VNC?");
        }
        var listen = Attribute(vnc, "listen") ?? vnc!.Elements("listen").Where(l => Attribute(l, "type") == "address").Select(l => Attribute(l, "address")).FirstOrDefault();
        var address = listen is null or "0.0.0.0" ? "" : listen;
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteString("address", address);
                w.WriteNumber("display", port - VncBasePort);
                w.WriteNumber("port", port);
            });
            return true;
        }
        c.Print(string.Create(CultureInfo.InvariantCulture, $"{address}:{port - VncBasePort}\n"));
        return true;
    }

    private static async Task<bool> DomDisplayAsync(CommandContext c, CancellationToken ct)
    {
        var includePassword = c.Args.Bool("include-password");
        var type = c.Args.String("type");
        var all = c.Args.Bool("all");
        var displays = await RunningDisplaysAsync(c, includePassword, ct);
        var uris = new List<string>();
        foreach (var scheme in _schemes)
        {
            if (!all && type is not null && type != scheme)
            {
                continue;
            }
            if (Uri(displays.FirstOrDefault(g => Attribute(g, "type") == scheme), scheme, includePassword) is { } uri)
            {
                uris.Add(uri);
                if (!all)
                {
                    break;
                }
            }
        }
        if (uris.Count == 0)
        {
            throw VshError.Of(type is null ? "No graphical display found" : $"No graphical display with type '{type}' found");
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteStartArray("uris");
                uris.ForEach(w.WriteStringValue);
                w.WriteEndArray();
            });
            return true;
        }
        // As virsh: one URI alone, so its line ends with the blank line that -q drops; with --all each ends its line.
        c.Print(all ? string.Concat(uris.Select(u => u + "\n")) : uris[0]);
        return true;
    }

    /// <summary>virsh's URI for one display: <c>vnc://[:PASSWORD@]HOST:DISPLAY</c>, <c>spice://HOST:PORT[?tls-port=N][&amp;password=P]</c>, <c>SCHEME+unix://SOCKET</c>; null when it has no port and no socket.</summary>
    private static string? Uri(XElement? display, string scheme, bool includePassword)
    {
        if (display is null)
        {
            return null;
        }
        var port = Number(Attribute(display, "port"));
        var tlsPort = Number(Attribute(display, "tlsPort"));
        var listen = display.Element("listen");
        var socket = Attribute(listen, "type") == "socket" ? Attribute(listen, "socket") : null;
        if (port == 0 && tlsPort == 0 && socket is null)
        {
            return null;
        }
        var address = Attribute(display, "listen") is { } attribute
            ? (IPAddress.TryParse(attribute, out var parsed) && (parsed.Equals(IPAddress.Any) || parsed.Equals(IPAddress.IPv6Any)) ? null : attribute)
            : Attribute(listen, "address");
        var password = includePassword ? Attribute(display, "passwd") : null;
        var uri = new System.Text.StringBuilder(scheme).Append(socket is null ? "://" : "+unix://");
        if (scheme == "vnc" && password is not null)
        {
            uri.Append(':').Append(password).Append('@');
        }
        uri.Append(socket ?? address switch
        {
            null => "localhost",
            _ when address.Contains(':', StringComparison.Ordinal) => $"[{address}]",
            _ => address,
        });
        if (port != 0)
        {
            uri.Append(':').Append((scheme == "vnc" ? port - VncBasePort : port).ToString(CultureInfo.InvariantCulture));
        }
        if (tlsPort != 0)
        {
            uri.Append("?tls-port=").Append(tlsPort.ToString(CultureInfo.InvariantCulture));
        }
        if (scheme == "spice" && password is not null)
        {
            uri.Append(tlsPort != 0 ? "&password=" : "?password=").Append(password);
        }
        return uri.ToString();
    }

    /// <summary>The running domain's <c>&lt;graphics&gt;</c> elements; virsh refuses a domain that is not running first.</summary>
    private static async Task<IReadOnlyList<XElement>> RunningDisplaysAsync(CommandContext c, bool securityInfo, CancellationToken ct)
    {
        var domain = await Lookup.DomainAsync(c, ct);
        if (domain.Status.State == Proto.DomainState.Shutoff)
        {
            throw VshError.Of("Domain is not running");
        }
        return [.. (await DeviceListCommands.DevicesAsync(c, domain, inactive: false, ct, securityInfo)).Elements("graphics")];
    }

    // virXPathInt: a missing or unreadable number is none (0 for domdisplay's ports).
    private static int Number(string? text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
