namespace Virt.Domain.Network;

/// <summary>A static DHCP lease.</summary>
/// <param name="Mac">Client MAC (IPv4).</param>
/// <param name="Id">Client id (IPv6 DUID).</param>
/// <param name="Name">Host name.</param>
/// <param name="Ip">Leased address.</param>
public sealed record DhcpHost(string? Mac, string? Id, string? Name, string? Ip);
