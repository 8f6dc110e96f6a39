namespace Virt.Domain;

/// <summary>A panic notifier (<c>&lt;panic&gt;</c>).</summary>
/// <param name="Model">Model, or null for the platform default.</param>
/// <param name="Address">Guest address.</param>
public sealed record PanicDevice(PanicModel? Model, DeviceAddress? Address);
