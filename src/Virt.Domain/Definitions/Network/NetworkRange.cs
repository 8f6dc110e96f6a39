namespace Virt.Domain.Network;

/// <summary>An inclusive address range.</summary>
/// <param name="Start">First address.</param>
/// <param name="End">Last address.</param>
public sealed record NetworkRange(string Start, string End);
