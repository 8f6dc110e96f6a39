using System.Xml.Linq;
using Virt.Domain.Network;

namespace Virt.Domain.Xml.Internal.Network;

/// <summary>Writes a network in libvirt's order (virNetworkDefFormatBuf).</summary>
internal static class NetworkFormatter
{
    public static XElement Format(NetworkDefinition n)
    {
        var root = new XElement("network", new XElement("name", n.Name), new XElement("uuid", CommonParsers.Uuid(n.Uuid)));
        if (n.Forward is { } f)
        {
            var forward = new XElement("forward").Attr("dev", f.Dev).Attr("mode", NetworkXmlNames.NetworkForwardMode.ToXml(f.Mode));
            if (f.NatAddress is not null || f.NatPorts is not null)
            {
                var nat = new XElement("nat");
                if (f.NatAddress is { } a)
                {
                    nat.Add(new XElement("address").Attr("start", a.Start).Attr("end", a.End));
                }
                if (f.NatPorts is { } p)
                {
                    nat.Add(new XElement("port").Attr("start", p.Start).Attr("end", p.End));
                }
                forward.Add(nat);
            }
            forward.Add(f.Interfaces.Select(i => new XElement("interface").Attr("dev", i)));
            root.Add(forward);
        }
        if (n.Bridge is { } b)
        {
            root.Add(new XElement("bridge").Attr("name", b.Name).Attr("stp", b.Stp is null ? null : CommonParsers.OnOff(b.Stp.Value)).Attr("delay", b.Delay));
        }
        if (n.Mtu is not null)
        {
            root.Add(new XElement("mtu").Attr("size", n.Mtu));
        }
        if (n.Mac is not null)
        {
            root.Add(new XElement("mac").Attr("address", n.Mac));
        }
        if (n.Domain is { } d)
        {
            root.Add(new XElement("domain").Attr("name", d.Name).Attr("localOnly", d.LocalOnly is null ? null : CommonParsers.YesNo(d.LocalOnly.Value)));
        }
        if (n.Dns is { } dns)
        {
            var element = new XElement("dns")
                .Attr("enable", dns.Enable is null ? null : CommonParsers.YesNo(dns.Enable.Value))
                .Attr("forwardPlainNames", dns.ForwardPlainNames is null ? null : CommonParsers.YesNo(dns.ForwardPlainNames.Value));
            element.Add(dns.Forwarders.Select(x => new XElement("forwarder").Attr("domain", x.Domain).Attr("addr", x.Address)));
            element.Add(dns.Txts.Select(x => new XElement("txt").Attr("name", x.Name).Attr("value", x.Value)));
            element.Add(dns.Srvs.Select(x => new XElement("srv")
                .Attr("service", x.Service).Attr("protocol", x.Protocol).Attr("domain", x.Domain).Attr("target", x.Target)
                .Attr("port", x.Port).Attr("priority", x.Priority).Attr("weight", x.Weight)));
            element.Add(dns.Hosts.Select(x => new XElement("host", x.Hostnames.Select(h => new XElement("hostname", h))).Attr("ip", x.Ip)));
            root.Add(element);
        }
        foreach (var ip in n.Ips)
        {
            var element = new XElement("ip")
                .Attr("family", ip.Family is null ? null : NetworkXmlNames.IpFamily.ToXml(ip.Family.Value))
                .Attr("address", ip.Address)
                .Attr("netmask", ip.Netmask)
                .Attr("prefix", ip.Prefix);
            if (ip.Dhcp)
            {
                element.Add(new XElement(
                    "dhcp",
                    ip.DhcpRanges.Select(r => new XElement("range").Attr("start", r.Start).Attr("end", r.End)),
                    ip.DhcpHosts.Select(h => new XElement("host").Attr("mac", h.Mac).Attr("id", h.Id).Attr("name", h.Name).Attr("ip", h.Ip))));
            }
            element.AddAnnotation(KeepOpen.Instance);
            root.Add(element);
        }
        return root;
    }
}
