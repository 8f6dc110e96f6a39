namespace Virt.Domain;

/// <summary>An input device (<c>&lt;input&gt;</c>).</summary>
/// <param name="Type">Kind.</param>
/// <param name="Bus">Bus.</param>
/// <param name="Alias">Device alias.</param>
/// <param name="Address">Guest address.</param>
public sealed record InputDevice(InputType Type, InputBus? Bus, string? Alias, DeviceAddress? Address);
