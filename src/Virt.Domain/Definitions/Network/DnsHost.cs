namespace Virt.Domain.Network;

/// <summary>A DNS host record.</summary>
/// <param name="Ip">Address.</param>
/// <param name="Hostnames">Names for it.</param>
public sealed record DnsHost(string Ip, ValueList<string> Hostnames);
