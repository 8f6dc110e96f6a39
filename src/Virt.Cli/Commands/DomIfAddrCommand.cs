using Virt.Cli.Output;
using Virt.Cli.Runtime;
using Virt.Client;
using Proto = Virt.Protocol.V1;

namespace Virt.Cli.Commands;

/// <summary>virsh domifaddr (virsh-domain-monitor.c cmdDomIfAddr): the source is checked before the domain is looked up.</summary>
internal static class DomIfAddrCommand
{
    public static CommandDef Definition() =>
        new("domifaddr", CommandGroup.Monitor, "Get network interfaces' addresses for a running domain", "Get network interfaces' addresses for a running domain",
        [
            Opt.Domain(),
            new OptionDef("interface", OptionKind.String, "network interface name"),
            Opt.Flag("full", "always display names and MACs of interfaces"),
            new OptionDef("source", OptionKind.String, "address source: 'lease', 'agent', or 'arp'"),
        ], RunAsync);

    private static async Task<bool> RunAsync(CommandContext c, CancellationToken ct)
    {
        var sourceText = c.Args.String("source");
        var source = sourceText switch
        {
            null or "lease" => Proto.InterfaceAddressSource.Lease,
            "agent" => Proto.InterfaceAddressSource.Agent,
            "arp" => Proto.InterfaceAddressSource.Arp,
            _ => throw VshError.Of($"Unknown data source '{sourceText}'"),
        };
        var domain = await Lookup.DomainAsync(c, ct);
        var only = c.Args.String("interface");
        var connection = await c.ConnectionAsync(ct);
        Proto.GetInterfaceAddressesResponse reply;
        try
        {
            reply = await connection.DomainCallAsync(domain.Domain.Uuid, (d, r) => d.GetInterfaceAddressesAsync(new Proto.GetInterfaceAddressesRequest
            {
                Domain = r,
                Source = source,
                Full = c.Args.Bool("full"),
            }, cancellationToken: ct));
        }
        catch (VirtClientException e)
        {
            throw VshError.FromClient(e, "Failed to query for interfaces addresses");
        }
        if (c.Json)
        {
            c.WriteJson(w =>
            {
                w.WriteDomain("domain", domain.Domain);
                w.WriteStartArray("interfaces");
                foreach (var entry in reply.Interfaces.Where(i => only is null || i.Name == only))
                {
                    w.WriteStartObject();
                    w.WriteString("name", entry.Name);
                    w.WriteString("hwaddr", entry.Hwaddr);
                    w.WriteStartArray("addresses");
                    foreach (var address in entry.Addresses)
                    {
                        w.WriteStartObject();
                        w.WriteString("type", address.Type == Proto.IpAddressType.Ipv6 ? "ipv6" : "ipv4");
                        w.WriteString("address", address.Address);
                        w.WriteNumber("prefix", address.Prefix);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return true;
        }
        var rows = reply.Interfaces.Select(i => new InterfaceAddressRow(i.Name, i.Hwaddr.Length == 0 ? null : i.Hwaddr,
            [.. i.Addresses.Select(a => (a.Type == Proto.IpAddressType.Ipv6 ? "ipv6" : "ipv4", a.Address, a.Prefix))]));
        c.Finish(InterfaceAddressFormatter.DomIfAddr(rows, c.Args.Bool("full"), only, c.Text));
        return true;
    }
}
