namespace Virt.Domain;

/// <summary>A USB redirection channel (<c>&lt;redirdev bus='usb'&gt;</c>).</summary>
/// <param name="Type">Channel kind (spicevmc or tcp).</param>
/// <param name="Source">Source for tcp.</param>
/// <param name="Alias">Device alias.</param>
/// <param name="Address">Guest address.</param>
public sealed record RedirDevice(CharDeviceType Type, CharSource? Source, string? Alias, DeviceAddress? Address);
