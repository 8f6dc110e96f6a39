namespace Virt.Domain;

/// <summary>Memory hotplug ceiling (<c>&lt;maxMemory slots='…'&gt;</c>).</summary>
/// <param name="SizeKiB">Ceiling in KiB.</param>
/// <param name="Slots">DIMM slots.</param>
public sealed record MaxMemory(ulong SizeKiB, uint Slots);
