namespace Virt.Domain.Storage;

/// <summary>A remote host of a pool source.</summary>
/// <param name="Name">Host name or address.</param>
/// <param name="Port">Port.</param>
public sealed record PoolSourceHost(string Name, uint? Port);
