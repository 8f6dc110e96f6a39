namespace Virt.Domain.Network;

/// <summary>A DNS TXT record.</summary>
/// <param name="Name">Record name.</param>
/// <param name="Value">Record value.</param>
public sealed record DnsTxt(string Name, string Value);
