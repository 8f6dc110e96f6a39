namespace Virt.Domain.Network;

/// <summary>An inclusive port range.</summary>
/// <param name="Start">First port.</param>
/// <param name="End">Last port.</param>
public sealed record NetworkPortRange(uint Start, uint End);
