namespace Virt.Cli.Output;

/// <summary>One interface of <c>domifaddr</c>: its name, MAC and addresses (<c>ipv4</c>/<c>ipv6</c>, text, prefix).</summary>
public sealed record InterfaceAddressRow(string Name, string? MacAddress, IReadOnlyList<(string Protocol, string Address, uint Prefix)> Addresses);

/// <summary>virsh's <c>domifaddr</c> (cmdDomIfAddr, tools/virsh-domain-monitor.c).</summary>
public static class InterfaceAddressFormatter
{
    /// <summary>
    /// The table: a header (vshPrintExtra, so <c>-q</c> drops it), then per address <c>" %-10s %-17s    %s\n"</c> with
    /// <c>"%-12s %s/%d"</c> for protocol and address. An interface's second and later addresses show <c>-</c> for name
    /// and MAC unless <paramref name="full"/>; one without addresses shows N/A. <paramref name="onlyInterface"/> keeps
    /// the interfaces of that name, as virsh filters.
    /// </summary>
    public static string DomIfAddr(IEnumerable<InterfaceAddressRow> interfaces, bool full = false, string? onlyInterface = null, VirshOutputOptions? output = null)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        var text = new TextBuilder(output);
        if (!text.Options.Quiet)
        {
            text.Raw($" {"Name",-10} {"MAC address",-20} {"Protocol",-8}     Address\n")
                .Line(new string('-', 79));
        }
        foreach (var row in interfaces)
        {
            if (onlyInterface is not null && row.Name != onlyInterface)
            {
                continue;
            }
            if (row.Addresses.Count == 0)
            {
                text.Raw($" {row.Name,-10} {row.MacAddress ?? "N/A",-17}    {"N/A",-12} N/A\n");
                continue;
            }
            for (var i = 0; i < row.Addresses.Count; i++)
            {
                var (protocol, address, prefix) = row.Addresses[i];
                var value = $"{protocol,-12} {address}/{prefix}";
                text.Raw(full || i == 0
                    ? $" {row.Name,-10} {row.MacAddress ?? "",-17}    {value}\n"
                    : $" {"-",-10} {"-",-17}    {value}\n");
            }
        }
        return text.Finish();
    }
}
