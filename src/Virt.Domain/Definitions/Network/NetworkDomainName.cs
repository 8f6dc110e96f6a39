namespace Virt.Domain.Network;

/// <summary>The DNS domain (<c>&lt;domain&gt;</c>).</summary>
/// <param name="Name">Domain name.</param>
/// <param name="LocalOnly">Whether queries for it are never forwarded.</param>
public sealed record NetworkDomainName(string Name, bool? LocalOnly);
