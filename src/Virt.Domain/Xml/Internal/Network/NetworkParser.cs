using System.Net;
using System.Net.Sockets;
using Virt.Domain.Network;

namespace Virt.Domain.Xml.Internal.Network;

/// <summary>Reads a <c>&lt;network&gt;</c> element tree strictly.</summary>
internal static class NetworkParser
{
    public static NetworkDefinition Parse(ElementReader root, DefinitionParseOptions options)
    {
        var name = CommonParsers.Name(root);
        var uuid = CommonParsers.Uuid(root, options.NewUuid);
        var forward = root.Child("forward") is { } f ? Forward(f) : null;
        NetworkBridge? bridge = null;
        if (root.Child("bridge") is { } b)
        {
            bridge = new NetworkBridge(b.NonEmptyAttr("name"), b.OnOff("stp"), b.UInt32("delay"));
            if (forward?.Mode is null or NetworkForwardMode.Nat or NetworkForwardMode.Route or NetworkForwardMode.Open)
            {
                bridge = bridge with { Stp = bridge.Stp ?? true, Delay = bridge.Delay ?? 0 };
            }
            b.Done();
        }
        uint? mtu = null;
        if (root.Child("mtu") is { } m)
        {
            mtu = m.UInt32("size", 65535) ?? throw m.Error(DefinitionErrorReason.MissingRequired, "The <mtu> element needs a 'size' attribute", null, "size");
            m.Done();
        }
        string? mac = null;
        if (root.Child("mac") is { } macElement)
        {
            mac = CommonParsers.Mac(macElement, "address", unicast: true);
            macElement.Done();
        }
        NetworkDomainName? domain = null;
        if (root.Child("domain") is { } d)
        {
            domain = new NetworkDomainName(d.NonEmptyAttr("name") ?? throw d.Error(DefinitionErrorReason.MissingRequired, "The <domain> element needs a 'name' attribute", null, "name"), d.YesNo("localOnly"));
            d.Done();
        }
        var result = new NetworkDefinition
        {
            Name = name,
            Uuid = uuid,
            Forward = forward,
            Bridge = bridge,
            Mtu = mtu,
            Mac = mac,
            Domain = domain,
            Dns = root.Child("dns") is { } dns ? Dns(dns) : null,
            Ips = root.Children("ip").Select(Ip).ToValueList(),
        };
        root.Done();
        return result;
    }

    private static NetworkForward Forward(ElementReader forward)
    {
        var mode = forward.Enum("mode", NetworkXmlNames.NetworkForwardMode) ?? NetworkForwardMode.Nat;
        var dev = forward.NonEmptyAttr("dev");
        NetworkRange? address = null;
        NetworkPortRange? ports = null;
        if (forward.Child("nat") is { } nat)
        {
            if (mode != NetworkForwardMode.Nat)
            {
                throw nat.Error(DefinitionErrorReason.Conflict, "The <nat> element is only allowed with forward mode='nat'", null);
            }
            if (nat.Child("address") is { } a)
            {
                address = new NetworkRange(Ip(a, "start", AddressFamily.InterNetwork), Ip(a, "end", AddressFamily.InterNetwork));
                a.Done();
            }
            if (nat.Child("port") is { } p)
            {
                ports = new NetworkPortRange(p.UInt32("start", 65535) ?? 0, p.UInt32("end", 65535) ?? 0);
                if (ports.Start > ports.End)
                {
                    throw p.Error(DefinitionErrorReason.InvalidValue, $"The NAT port range {ports.Start}-{ports.End} is reversed", null, allowed: "start ≤ end");
                }
                p.Done();
            }
            nat.Done();
        }
        var interfaces = forward.Children("interface").Select(i =>
        {
            var name = i.NonEmptyAttr("dev") ?? throw i.Error(DefinitionErrorReason.MissingRequired, "The forward <interface> needs a 'dev' attribute", null, "dev");
            i.Done();
            return name;
        }).ToList();
        if (dev is not null && interfaces.Count == 0)
        {
            interfaces.Add(dev);
        }
        forward.Done();
        return new NetworkForward { Mode = mode, Dev = dev, NatAddress = address, NatPorts = ports, Interfaces = interfaces.ToValueList() };
    }

    private static NetworkDns Dns(ElementReader dns)
    {
        var result = new NetworkDns
        {
            Enable = dns.YesNo("enable"),
            ForwardPlainNames = dns.YesNo("forwardPlainNames"),
            Forwarders = dns.Children("forwarder").Select(f =>
            {
                var forwarder = new DnsForwarder(f.Attr("addr") is null ? null : Ip(f, "addr", null), f.NonEmptyAttr("domain"));
                f.Done();
                return forwarder;
            }).ToValueList(),
            Txts = dns.Children("txt").Select(t =>
            {
                var txt = new DnsTxt(t.NonEmptyAttr("name") ?? throw t.Error(DefinitionErrorReason.MissingRequired, "The <txt> element needs a 'name' attribute", null, "name"), t.RequiredAttr("value"));
                t.Done();
                return txt;
            }).ToValueList(),
            Srvs = dns.Children("srv").Select(s =>
            {
                var protocol = s.RequiredAttr("protocol");
                if (protocol is not ("tcp" or "udp"))
                {
                    throw s.Error(DefinitionErrorReason.InvalidValue, $"'{protocol}' is not an SRV protocol", protocol, "protocol", "tcp, udp");
                }
                var srv = new DnsSrv
                {
                    Service = s.NonEmptyAttr("service") ?? throw s.Error(DefinitionErrorReason.MissingRequired, "The <srv> element needs a 'service' attribute", null, "service"),
                    Protocol = protocol,
                    Domain = s.NonEmptyAttr("domain"),
                    Target = s.NonEmptyAttr("target"),
                    Port = s.UInt32("port", 65535),
                    Priority = s.UInt32("priority", 65535),
                    Weight = s.UInt32("weight", 65535),
                };
                s.Done();
                return srv;
            }).ToValueList(),
            Hosts = dns.Children("host").Select(h =>
            {
                var ip = Ip(h, "ip", null);
                var names = h.Children("hostname").Select(n =>
                {
                    var text = n.NonEmptyText();
                    n.Done();
                    return text;
                }).ToValueList();
                if (names.Count == 0)
                {
                    throw h.Error(DefinitionErrorReason.MissingRequired, "A DNS <host> needs at least one <hostname>", null);
                }
                h.Done();
                return new DnsHost(ip, names);
            }).ToValueList(),
        };
        dns.Done();
        return result;
    }

    private static NetworkIp Ip(ElementReader ip)
    {
        var family = ip.Enum("family", NetworkXmlNames.IpFamily);
        var expected = family == IpFamily.Ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var address = Ip(ip, "address", expected);
        var netmask = ip.Attr("netmask") is null ? null : Ip(ip, "netmask", AddressFamily.InterNetwork);
        var prefix = ip.UInt32("prefix", expected == AddressFamily.InterNetwork ? 32u : 128u);
        if (netmask is not null && prefix is not null)
        {
            throw ip.Error(DefinitionErrorReason.Conflict, "The <ip> element may have a netmask or a prefix, not both", null, "prefix", "either netmask or prefix");
        }
        var result = new NetworkIp { Family = family, Address = address, Netmask = netmask, Prefix = prefix };
        if (ip.Child("dhcp") is { } dhcp)
        {
            result = result with
            {
                Dhcp = true,
                DhcpRanges = dhcp.Children("range").Select(r =>
                {
                    var range = new NetworkRange(Ip(r, "start", expected), Ip(r, "end", expected));
                    r.Done();
                    return range;
                }).ToValueList(),
                DhcpHosts = dhcp.Children("host").Select(h =>
                {
                    var host = new DhcpHost(h.Attr("mac") is null ? null : CommonParsers.Mac(h, "mac", unicast: false), h.NonEmptyAttr("id"), h.NonEmptyAttr("name"), h.Attr("ip") is null ? null : Ip(h, "ip", expected));
                    h.Done();
                    return host;
                }).ToValueList(),
            };
            dhcp.Done();
        }
        ip.Done();
        return result;
    }

    private static string Ip(ElementReader element, string attribute, AddressFamily? family)
    {
        var text = element.RequiredAttr(attribute);
        if (!IPAddress.TryParse(text, out var address) || (family is not null && address.AddressFamily != family) || text.Contains('%', StringComparison.Ordinal))
        {
            var expected = family switch
            {
                AddressFamily.InterNetwork => "an IPv4 address",
                AddressFamily.InterNetworkV6 => "an IPv6 address",
                _ => "an IP address",
            };
            throw element.Error(DefinitionErrorReason.InvalidValue, $"'{text}' is not {expected}", text, attribute, expected);
        }
        return text;
    }
}
