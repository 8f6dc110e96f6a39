namespace Virt.Domain.Network;

/// <summary>An upstream DNS server, optionally for one domain.</summary>
/// <param name="Address">Server address.</param>
/// <param name="Domain">Domain it serves.</param>
public sealed record DnsForwarder(string? Address, string? Domain);
